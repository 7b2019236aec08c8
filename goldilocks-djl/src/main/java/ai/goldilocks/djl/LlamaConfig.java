package ai.goldilocks.djl;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of a Hugging Face {@code config.json} of the Llama / Qwen2 decoder family that the
 * network needs.
 *
 * @param modelType "llama" or "qwen2"
 * @param hiddenSize width of the residual stream
 * @param intermediateSize width of the SwiGLU layer
 * @param layers decoder layers
 * @param heads attention heads
 * @param kvHeads key/value heads (grouped-query attention), divides {@code heads}
 * @param vocabSize vocabulary size
 * @param maxPositions longest sequence
 * @param rmsNormEps epsilon of RMSNorm
 * @param ropeTheta rotary base
 * @param ropeScaling "none", "linear", "llama3" or "yarn"
 * @param ropeFactor scaling factor (1 when none)
 * @param lowFreqFactor llama3 scaling: low-frequency factor; yarn: beta_slow
 * @param highFreqFactor llama3 scaling: high-frequency factor; yarn: beta_fast
 * @param originalMaxPositions llama3 and yarn scaling: original context length
 * @param tieWordEmbeddings whether the output head is the input embedding
 * @param qkvBias whether q, k and v projections have biases (Qwen2: yes)
 * @param outputBias whether the output projection has a bias (Llama attention_bias)
 * @param json the original config.json text
 */
record LlamaConfig(String modelType, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int vocabSize,
    int maxPositions, double rmsNormEps, double ropeTheta, String ropeScaling, double ropeFactor, double lowFreqFactor,
    double highFreqFactor, int originalMaxPositions, boolean tieWordEmbeddings, boolean qkvBias, boolean outputBias, String json) {

  /** Head width. */
  int headDim() {
    return hiddenSize / heads;
  }

  /**
   * Reads {@code dir/config.json}.
   *
   * @throws IOException naming the file and the problem: missing, not JSON, an unsupported
   *     architecture or rope scaling, inconsistent head counts
   */
  static LlamaConfig read(Path dir) throws IOException {
    Path f = dir.resolve("config.json");
    if (!Files.isRegularFile(f)) {
      throw new IOException("no config.json in " + dir);
    }
    String text = Files.readString(f);
    JsonObject o;
    try {
      o = new Gson().fromJson(text, JsonObject.class);
    } catch (JsonParseException e) {
      throw new IOException(f + ": not valid JSON: " + e.getMessage(), e);
    }
    if (o == null) {
      throw new IOException(f + ": empty");
    }
    String type = str(o, "model_type", "");
    if (!type.equals("llama") && !type.equals("qwen2")) {
      throw new IOException(f + ": unsupported architecture model_type='" + type + "' (architectures " + o.get("architectures")
          + "); supported: llama, qwen2");
    }
    try {
      int hidden = o.get("hidden_size").getAsInt();
      int heads = o.get("num_attention_heads").getAsInt();
      int kv = o.has("num_key_value_heads") && !o.get("num_key_value_heads").isJsonNull() ? o.get("num_key_value_heads").getAsInt() : heads;
      if (o.has("head_dim") && !o.get("head_dim").isJsonNull() && o.get("head_dim").getAsInt() != hidden / heads) {
        throw new IOException(f + ": head_dim " + o.get("head_dim") + " differs from hidden_size / num_attention_heads, not supported");
      }
      if (hidden % heads != 0 || heads % kv != 0) {
        throw new IOException(f + ": hidden_size " + hidden + ", heads " + heads + ", key/value heads " + kv + " are inconsistent");
      }
      String scaling = "none";
      double factor = 1;
      double low = 1;
      double high = 4;
      int original = 0;
      JsonElement rs = o.get("rope_scaling");
      if (rs != null && !rs.isJsonNull()) {
        JsonObject s = rs.getAsJsonObject();
        scaling = s.has("rope_type") ? s.get("rope_type").getAsString() : str(s, "type", "none");
        switch (scaling) {
          case "linear" -> factor = s.get("factor").getAsDouble();
          case "llama3" -> {
            factor = s.get("factor").getAsDouble();
            low = s.get("low_freq_factor").getAsDouble();
            high = s.get("high_freq_factor").getAsDouble();
            original = s.get("original_max_position_embeddings").getAsInt();
          }
          case "yarn" -> {
            // Qwen2.5's long-context setting: {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
            factor = s.get("factor").getAsDouble();
            low = s.has("beta_slow") ? s.get("beta_slow").getAsDouble() : 1;
            high = s.has("beta_fast") ? s.get("beta_fast").getAsDouble() : 32;
            original = s.has("original_max_position_embeddings") ? s.get("original_max_position_embeddings").getAsInt()
                : o.get("max_position_embeddings").getAsInt();
            if (s.has("attention_factor") || s.has("mscale") || s.has("mscale_all_dim")) {
              throw new IOException(f + ": yarn with attention_factor or mscale fields is not supported");
            }
          }
          case "default", "none" -> scaling = "none";
          default -> throw new IOException(f + ": unsupported rope_scaling type '" + scaling + "' (supported: none, linear, llama3, yarn)");
        }
      }
      boolean attentionBias = o.has("attention_bias") && o.get("attention_bias").getAsBoolean();
      return new LlamaConfig(type, hidden, o.get("intermediate_size").getAsInt(), o.get("num_hidden_layers").getAsInt(), heads, kv,
          o.get("vocab_size").getAsInt(), o.has("max_position_embeddings") ? o.get("max_position_embeddings").getAsInt() : 4096,
          o.has("rms_norm_eps") ? o.get("rms_norm_eps").getAsDouble() : 1e-6, o.has("rope_theta") ? o.get("rope_theta").getAsDouble() : 10000,
          scaling, factor, low, high, original, o.has("tie_word_embeddings") && o.get("tie_word_embeddings").getAsBoolean(),
          type.equals("qwen2") || attentionBias, attentionBias, text);
    } catch (RuntimeException e) {
      throw new IOException(f + ": missing or invalid field: " + e.getMessage(), e);
    }
  }

  private static String str(JsonObject o, String key, String dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsString();
  }

  private double correctionDim(double rotations, int hd) {
    return hd * Math.log(originalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(ropeTheta));
  }

  /** The factor cos and sin are scaled by: 0.1 ln(factor) + 1 for yarn, else 1. */
  double attentionFactor() {
    return ropeScaling.equals("yarn") && ropeFactor > 1 ? 0.1 * Math.log(ropeFactor) + 1 : 1;
  }

  /** Inverse rotary frequencies per pair of head dimensions, with the configured scaling. */
  double[] inverseFrequencies() {
    int hd = headDim();
    double[] f = new double[hd / 2];
    for (int i = 0; i < f.length; i++) {
      double freq = 1.0 / Math.pow(ropeTheta, (2.0 * i) / hd);
      if (ropeScaling.equals("linear")) {
        freq /= ropeFactor;
      } else if (ropeScaling.equals("yarn")) {
        // blend interpolated (freq / factor) and extrapolated (freq) frequencies with a linear ramp
        // between the dimensions that rotate beta_fast and beta_slow times over the original context
        double lowDim = Math.max(0, Math.floor(correctionDim(highFreqFactor, hd)));
        double highDim = Math.min(hd - 1, Math.ceil(correctionDim(lowFreqFactor, hd)));
        if (lowDim == highDim) {
          highDim += 0.001;
        }
        double ramp = Math.min(1, Math.max(0, (i - lowDim) / (highDim - lowDim)));
        double extrapolation = 1 - ramp;
        freq = freq / ropeFactor * (1 - extrapolation) + freq * extrapolation;
      } else if (ropeScaling.equals("llama3")) {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / freq;
        if (wavelen > lowWavelen) {
          freq /= ropeFactor;
        } else if (wavelen >= highWavelen) {
          double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
          freq = (1 - smooth) * freq / ropeFactor + smooth * freq;
        }
      }
      f[i] = freq;
    }
    return f;
  }
}
