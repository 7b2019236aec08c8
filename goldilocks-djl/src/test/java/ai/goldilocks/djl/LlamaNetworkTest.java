package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.djl.internal.Safetensors;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Llama / Qwen2 implementation against an independent numpy reference
 * ({@code src/test/resources/hf/make_reference.py}), which wrote the tiny checkpoints in Hugging
 * Face's layout and their logits.
 */
class LlamaNetworkTest {
  /** 61 characters: with the three special ids a vocabulary of exactly 64, as the checkpoints have. */
  static final CharTokenizer TOK = new CharTokenizer("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY");

  static Path checkpoint(String name) throws Exception {
    return Path.of(LlamaNetworkTest.class.getResource("/hf/" + name + "/config.json").toURI()).getParent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-qwen2", "tiny-qwen2-yarn", "tiny-llama"})
  void logitsMatchTheIndependentReference(String name) throws Exception {
    Path dir = checkpoint(name);
    JsonObject golden = JsonParser.parseString(Files.readString(dir.resolve("golden-logits.json"))).getAsJsonObject();
    JsonArray toks = golden.getAsJsonArray("tokens");
    int[] tokens = new int[toks.size()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = toks.get(i).getAsInt();
    }
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(dir, TOK).build()) {
      float[] logits = p.logits(tokens);
      JsonArray rows = golden.getAsJsonArray("logits");
      double max = 0;
      for (int t = 0; t < rows.size(); t++) {
        JsonArray row = rows.get(t).getAsJsonArray();
        for (int v = 0; v < row.size(); v++) {
          max = Math.max(max, Math.abs(row.get(v).getAsDouble() - logits[t * 64 + v]));
        }
      }
      assertTrue(max < 1e-4, name + ": max abs error " + max);
    }
  }

  @Test
  void kvCacheGenerationEqualsAFullForwardPass() throws Exception {
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(checkpoint("tiny-qwen2"), TOK).build()) {
      int[] prompt = {3, 17, 42, 5};
      List<Completion> cs = p.generate(prompt, 4, new SamplingConfig(1.0, 1.0, 12, java.util.Set.of()), 3, true);
      List<Sequence> seqs = new ArrayList<>();
      cs.forEach(c -> seqs.add(c.sequence()));
      double[][] full = p.logProbs(seqs, 1.0);
      for (int i = 0; i < cs.size(); i++) {
        double[] lp = cs.get(i).logProbs();
        assertEquals(12, lp.length);
        for (int j = 0; j < lp.length; j++) {
          assertEquals(full[i][j], lp[j], 1e-4, "sequence " + i + " token " + j);
        }
      }
    }
  }

  @Test
  void bf16CheckpointsMatchF32WithinBf16Precision(@TempDir Path tmp) throws Exception {
    Path src = checkpoint("tiny-qwen2");
    Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
    SafetensorsTest.writeBf16Copy(src.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
    int[] tokens = {3, 17, 42, 5, 9, 63};
    try (TransformerPolicy f32 = TransformerPolicy.fromHuggingFace(src, TOK).build();
        TransformerPolicy bf16 = TransformerPolicy.fromHuggingFace(tmp, TOK).build()) {
      float[] a = f32.logits(tokens);
      float[] b = bf16.logits(tokens);
      double max = 0;
      double scale = 0;
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      assertTrue(max > 0 && max < 0.05 * scale, "BF16 vs F32 logits: max difference " + max + " at scale " + scale);
    }
  }

  /**
   * A BF16 checkpoint with tensors large enough to be converted on several threads loads into the
   * engine's shared memory with exactly the values of the chunked copy and of the plain Java
   * reader.
   */
  @Test
  void loadingIntoTheEnginesMemoryGivesTheChunkedCopysValues(@TempDir Path tmp) throws Exception {
    JsonObject cfg = JsonParser.parseString(Files.readString(checkpoint("tiny-qwen2").resolve("config.json"))).getAsJsonObject();
    cfg.addProperty("vocab_size", 40_000); // a 40,000 x 32 embedding: 1.28M values, above the threshold for parallel conversion
    Files.writeString(tmp.resolve("config.json"), cfg.toString());
    java.util.Map<String, Safetensors.Tensor> tensors = new java.util.LinkedHashMap<>();
    ai.goldilocks.core.internal.Rng rng = new ai.goldilocks.core.internal.Rng(5);
    for (var e : LlamaNetwork.expected(LlamaConfig.read(tmp)).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[(int) n];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rng.nextGaussian();
      }
      tensors.put(e.getKey(), new Safetensors.Tensor(e.getValue(), v));
    }
    Safetensors.write(tmp.resolve("model.safetensors"), tensors, java.util.Map.of(), true);
    java.util.Map<String, Safetensors.Tensor> reference = Safetensors.read(tmp.resolve("model.safetensors"));
    try (LlamaNetwork shared = LlamaNetwork.load(tmp, ai.djl.Device.cpu(), true);
        LlamaNetwork copied = LlamaNetwork.load(tmp, ai.djl.Device.cpu(), false)) {
      try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
        assertTrue(LlamaNetwork.sharedMemory(m.zeros(new ai.djl.ndarray.types.Shape(8, 4))) != null,
            "precondition: the CPU engine shares its arrays' memory, so the first load took the direct path");
      }
      for (String name : reference.keySet()) {
        float[] want = reference.get(name).values();
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, shared.p(name).toFloatArray(), 0f, name);
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, copied.p(name).toFloatArray(), 0f, name);
      }
    }
  }

  @Test
  void trainsThroughTheSamePathAndSavesInHuggingFaceLayout(@TempDir Path tmp) throws Exception {
    List<Sequence> batch = List.of(new Sequence(new int[] {3, 17, 42}, new int[] {5, 9, 1}), new Sequence(new int[] {8, 8}, new int[] {7, 1}));
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(checkpoint("tiny-qwen2"), TOK).learningRate(1e-2).build()) {
      double first = p.supervisedStep(batch);
      double last = first;
      for (int i = 0; i < 20; i++) {
        last = p.supervisedStep(batch);
      }
      assertTrue(last < first * 0.5, "NLL " + first + " -> " + last);
      int arrays = p.liveArrayCount();
      p.supervisedStep(batch);
      assertEquals(arrays, p.liveArrayCount());
      p.save(tmp);
      try (TransformerPolicy q = TransformerPolicy.fromHuggingFace(tmp, TOK).build()) {
        int[] x = {3, 17, 42, 5, 9};
        org.junit.jupiter.api.Assertions.assertArrayEquals(p.logits(x), q.logits(x), 0f);
      }
    }
  }

  @Test
  void theSameCheckpointServesAsTheTeachersEncoder() throws Exception {
    java.util.List<ai.goldilocks.core.Question> qs = new ArrayList<>();
    double[] y = new double[60];
    for (int i = 0; i < 60; i++) {
      int len = 2 + i % 10;
      qs.add(new ai.goldilocks.core.Question("q" + i, "abcdefghijklmnopqrstuvwxyz".substring(i % 7, i % 7 + len)));
      y[i] = 0.05 * (len - 2); // a known utility of the text length, in [0, 0.45]
    }
    ai.goldilocks.core.QuestionPool pool = ai.goldilocks.core.QuestionPool.of(qs);
    int[] idx = new int[60];
    for (int i = 0; i < 60; i++) {
      idx[i] = i;
    }
    try (TransformerTeacher t = TransformerTeacher.fromHuggingFace(checkpoint("tiny-qwen2"), TOK).learningRate(3e-3).seed(1).build()) {
      double before = mae(t, pool, idx, y);
      t.train(pool, idx, y, 60, 15);
      double after = mae(t, pool, idx, y);
      assertTrue(after < before * 0.5, "teacher MAE " + before + " -> " + after);
    }
  }

  private static double mae(TransformerTeacher t, ai.goldilocks.core.QuestionPool pool, int[] idx, double[] y) {
    double[] out = new double[idx.length];
    t.predict(pool, idx, idx.length, out);
    double s = 0;
    for (int i = 0; i < idx.length; i++) {
      assertTrue(out[i] >= 0 && out[i] <= 0.5);
      s += Math.abs(out[i] - y[i]);
    }
    return s / idx.length;
  }

  @Test
  void unsupportedArchitecturesAndMissingTensorsAreNamed(@TempDir Path tmp) throws Exception {
    Path src = checkpoint("tiny-qwen2");
    Files.writeString(tmp.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"qwen2\"", "\"gpt2\""));
    IOException arch = assertThrows(IOException.class, () -> TransformerPolicy.fromHuggingFace(tmp, TOK));
    assertTrue(arch.getMessage().contains("gpt2"), arch.getMessage());

    Files.copy(src.resolve("config.json"), tmp.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.util.Map<String, Safetensors.Tensor> tensors = new java.util.LinkedHashMap<>(Safetensors.read(src.resolve("model.safetensors")));
    tensors.remove("model.layers.1.mlp.up_proj.weight");
    Safetensors.write(tmp.resolve("model.safetensors"), tensors, null);
    UncheckedIOException missing = assertThrows(UncheckedIOException.class,
        () -> TransformerPolicy.fromHuggingFace(tmp, TOK).build().close());
    assertTrue(missing.getMessage().contains("model.layers.1.mlp.up_proj.weight"), missing.getMessage());
  }

  @Test
  void withoutABackwardPassEachLayerFreesItsIntermediatesAndTheValuesAreTheTrainingPaths() throws Exception {
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(checkpoint("tiny-qwen2"), TOK).build()) {
      Network m = p.model();
      int[] tokens = {3, 17, 42, 5, 9, 11, 60};
      float[] inference;
      int heldByInference;
      try (DjlEngine.NoGradient off = DjlEngine.noGradient(); NDManager scope = m.manager.newSubManager()) {
        NDArray h = m.hidden(scope, scope.create(tokens, new Shape(1, tokens.length)), 0, null, null);
        heldByInference = scope.getManagedArrays().size();
        inference = m.logits(h).toFloatArray();
      }
      float[] training;
      int heldByTraining;
      try (ai.djl.training.GradientCollector gc = DjlEngine.newGradientCollector(); NDManager scope = m.manager.newSubManager()) {
        assertTrue(DjlEngine.recordsGradients());
        NDArray h = m.hidden(scope, scope.create(tokens, new Shape(1, tokens.length)), 0, null, null);
        heldByTraining = scope.getManagedArrays().size();
        training = m.logits(h).toFloatArray();
      }
      assertArrayEquals(training, inference, 0f);
      // the whole inference pass leaves fewer arrays behind than one layer of the training pass,
      // whose intermediates stay for the backward pass
      assertTrue(heldByInference < heldByTraining / m.layers(),
          heldByInference + " arrays held after inference, " + heldByTraining + " after " + m.layers() + " training layers");
    }
  }

  @Test
  void theRotationMatrixRotatesHalfExactly() {
    try (NDManager scope = NDManager.newBaseManager(TransformerPolicy.defaultDevice())) {
      int hd = 16;
      java.util.Random r = new java.util.Random(7);
      float[] values = new float[2 * 3 * 5 * hd];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
      }
      NDArray x = scope.create(values, new Shape(2, 3, 5, hd));
      NDArray first = x.get(new NDIndex().addEllipseDim().addSliceDim(0, hd / 2));
      NDArray second = x.get(new NDIndex().addEllipseDim().addSliceDim(hd / 2, hd));
      float[] expected = second.neg().concat(first, -1).toFloatArray();
      assertArrayEquals(expected, x.matMul(LlamaNetwork.rotationMatrix(scope, hd)).toFloatArray(), 0f);
    }
  }
}
