package ai.goldilocks.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} read from a local file, never from the hub.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final int vocabSize;
  private final int padId;
  private final int eosId;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, int padId, int eosId) {
    this.tokenizer = tokenizer;
    this.vocabSize = vocabSize;
    this.padId = padId;
    this.eosId = eosId;
  }

  /**
   * Loads {@code tokenizer.json}.
   *
   * @param eosToken the end-of-sequence token's text (for example {@code "<|endoftext|>"})
   * @param padToken the padding token's text, or null to pad with the end-of-sequence token
   * @throws IOException if the file is missing or unreadable, or a named token is not in the vocabulary
   */
  public static HfTokenizer load(Path tokenizerJson, String eosToken, String padToken) throws IOException {
    Offline.ensure();
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IOException("tokenizer file not found: " + tokenizerJson);
    }
    HuggingFaceTokenizer t;
    try {
      t = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson).optAddSpecialTokens(false).build();
    } catch (RuntimeException e) {
      throw new IOException("cannot read tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
    int eos = idOf(t, eosToken, tokenizerJson);
    int pad = padToken == null ? eos : idOf(t, padToken, tokenizerJson);
    int vocab = vocabularySize(tokenizerJson);
    return new HfTokenizer(t, vocab, pad, eos);
  }

  private static int idOf(HuggingFaceTokenizer t, String token, Path file) throws IOException {
    Encoding e = t.encode(token, false, false);
    long[] ids = e.getIds();
    if (ids.length != 1) {
      throw new IOException("token '" + token + "' is not a single token of " + file + " (got " + ids.length + " ids)");
    }
    return (int) ids[0];
  }

  @SuppressWarnings("unchecked")
  private static int vocabularySize(Path file) throws IOException {
    Map<String, Object> json = new com.google.gson.Gson().fromJson(Files.readString(file), Map.class);
    int max = -1;
    Object model = json.get("model");
    if (model instanceof Map<?, ?> m && m.get("vocab") instanceof Map<?, ?> vocab) {
      for (Object v : vocab.values()) {
        max = Math.max(max, ((Number) v).intValue());
      }
    }
    if (json.get("added_tokens") instanceof java.util.List<?> added) {
      for (Object o : added) {
        if (o instanceof Map<?, ?> a && a.get("id") instanceof Number n) {
          max = Math.max(max, n.intValue());
        }
      }
    }
    if (max < 0) {
      throw new IOException("cannot find a vocabulary in " + file);
    }
    return max + 1;
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] l = java.util.Arrays.stream(ids).filter(i -> i != padId && i != eosId).asLongStream().toArray();
    return tokenizer.decode(l, true);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
