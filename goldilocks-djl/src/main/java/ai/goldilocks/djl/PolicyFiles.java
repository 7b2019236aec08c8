package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.goldilocks.djl.internal.Safetensors;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy's files: weights ({@code model.safetensors} and {@code config.json}) and training state
 * ({@code training-state.safetensors}: AdamW moments and step, learning rate, policy version and
 * the reference weights when there are any). Reading checks everything before anything changes.
 */
final class PolicyFiles {
  private static final String STATE = "training-state.safetensors";

  private PolicyFiles() {}

  static void saveWeights(Network model, TextTokenizer tokenizer, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : model.params.entrySet()) {
      tensors.put(e.getKey(), new Safetensors.Tensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
    }
    Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "goldilocks-transformer-v1"));
    JsonObject cfg = new Gson().fromJson(model.configJson(), JsonObject.class);
    if (tokenizer instanceof CharTokenizer ct) {
      cfg.addProperty("charAlphabet", ct.alphabet());
    }
    Path tmp = dir.resolve("config.json.tmp");
    Files.writeString(tmp, new Gson().toJson(cfg));
    Files.move(tmp, dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Loads weights into {@code model}: every tensor present, expected and of its shape, or nothing changes. */
  static void loadWeights(Network model, Path dir) throws IOException {
    Map<String, Safetensors.Tensor> tensors = Safetensors.read(dir.resolve("model.safetensors"));
    for (Map.Entry<String, NDArray> e : model.params.entrySet()) {
      Safetensors.Tensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new IOException(dir + ": tensor '" + e.getKey() + "' is missing");
      }
      if (!Arrays.equals(t.shape(), e.getValue().getShape().getShape())) {
        throw new IOException(dir + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + ", expected "
            + e.getValue().getShape());
      }
    }
    for (String name : tensors.keySet()) {
      if (!model.params.containsKey(name)) {
        throw new IOException(dir + ": unexpected tensor '" + name + "'");
      }
    }
    try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
      for (Map.Entry<String, NDArray> e : model.params.entrySet()) {
        e.getValue().set(tensors.get(e.getKey()).values());
      }
    }
  }

  static void saveTrainingState(Path dir, Network model, AdamW optimizer, Network reference, long version) throws IOException {
    Map<String, Safetensors.Tensor> state = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(model.params.keySet());
    for (int i = 0; i < names.size(); i++) {
      NDArray m = optimizer.firstMoments().get(i);
      NDArray v = optimizer.secondMoments().get(i);
      state.put("adam.m." + names.get(i), new Safetensors.Tensor(m.getShape().getShape(), m.toFloatArray()));
      state.put("adam.v." + names.get(i), new Safetensors.Tensor(v.getShape().getShape(), v.toFloatArray()));
      if (reference != null) {
        NDArray r = reference.params.get(names.get(i));
        state.put("reference." + names.get(i), new Safetensors.Tensor(r.getShape().getShape(), r.toFloatArray()));
      }
    }
    Safetensors.write(dir.resolve(STATE), state,
        Map.of("adamStep", Long.toString(optimizer.step), "version", Long.toString(version),
            "learningRate", Double.toString(optimizer.learningRate), "hasReference", Boolean.toString(reference != null)));
  }

  /** A checked training state, applied only once the weights have loaded too. */
  record TrainingState(List<String> names, Map<String, Safetensors.Tensor> tensors, long step, long version, double learningRate,
      boolean hasReference) {

    void applyTo(AdamW optimizer) {
      for (int i = 0; i < names.size(); i++) {
        optimizer.firstMoments().get(i).set(tensors.get("adam.m." + names.get(i)).values());
        optimizer.secondMoments().get(i).set(tensors.get("adam.v." + names.get(i)).values());
      }
      optimizer.step = step;
      optimizer.learningRate = learningRate;
    }

    void applyReferenceTo(Network reference) {
      try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
        for (String n : names) {
          reference.params.get(n).set(tensors.get("reference." + n).values());
        }
      }
    }
  }

  /** Reads and checks {@code training-state.safetensors} against {@code model}'s parameters. */
  static TrainingState readTrainingState(Path dir, Network model) throws IOException {
    Path f = dir.resolve(STATE);
    Map<String, Safetensors.Tensor> state = Safetensors.read(f);
    Map<String, String> meta = Safetensors.readMetadata(f);
    List<String> names = new ArrayList<>(model.params.keySet());
    boolean hasReference = Boolean.parseBoolean(meta.getOrDefault("hasReference", "false"));
    for (String n : names) {
      long[] shape = model.params.get(n).getShape().getShape();
      for (String prefix : hasReference ? new String[] {"adam.m.", "adam.v.", "reference."} : new String[] {"adam.m.", "adam.v."}) {
        Safetensors.Tensor t = state.get(prefix + n);
        if (t == null || !Arrays.equals(t.shape(), shape)) {
          throw new IOException(f + ": tensor '" + prefix + n + "' is missing or mis-shaped");
        }
      }
    }
    try {
      return new TrainingState(names, state, Long.parseLong(meta.get("adamStep")), Long.parseLong(meta.get("version")),
          Double.parseDouble(meta.get("learningRate")), hasReference);
    } catch (RuntimeException e) {
      throw new IOException(f + ": missing or invalid metadata " + meta, e);
    }
  }

  /** Reads {@code config.json} of a saved policy. */
  static TransformerConfig readConfig(Path dir) throws IOException {
    Path f = dir.resolve("config.json");
    if (!Files.isRegularFile(f)) {
      throw new IOException("no config.json in " + dir);
    }
    try {
      TransformerConfig c = new Gson().fromJson(Files.readString(f), TransformerConfig.class);
      return new TransformerConfig(c.vocabSize(), c.dModel(), c.layers(), c.heads(), c.ffn(), c.maxLength());
    } catch (RuntimeException e) {
      throw new IOException(f + ": invalid config: " + e.getMessage(), e);
    }
  }
}
