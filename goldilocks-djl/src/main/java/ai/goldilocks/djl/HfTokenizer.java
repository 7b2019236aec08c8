package ai.goldilocks.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * A Hugging Face {@code tokenizer.json} read from a local file, never from the hub.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final int vocabSize;
  private final int padId;
  private final int eosId;
  private boolean closed;

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
    java.util.Objects.requireNonNull(eosToken, "eosToken");
    HuggingFaceTokenizer t = open(tokenizerJson);
    try {
      int eos = idOf(t, eosToken, tokenizerJson);
      int pad = padToken == null ? eos : idOf(t, padToken, tokenizerJson);
      return new HfTokenizer(t, vocabularySize(tokenizerJson), pad, eos);
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static HuggingFaceTokenizer open(Path tokenizerJson) throws IOException {
    DjlEngine.ensureOffline();
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IOException("tokenizer file not found: " + tokenizerJson);
    }
    try {
      return HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson).optAddSpecialTokens(false).build();
    } catch (RuntimeException e) {
      throw new IOException("cannot read tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads the tokenizer of a Hugging Face checkpoint directory: {@code tokenizer.json}, with the
   * end-of-sequence and padding tokens named by {@code tokenizer_config.json} ({@code eos_token},
   * {@code pad_token}, as a string or an object with {@code content}); without an {@code eos_token}
   * there, the {@code eos_token_id} of {@code generation_config.json} or {@code config.json} (the
   * first one when it is a list). Pads with the end-of-sequence token when no padding token is named.
   *
   * @throws IOException if {@code tokenizer.json} is missing or unreadable, a configuration file is
   *     not valid JSON, or no end-of-sequence token can be found
   */
  public static HfTokenizer fromCheckpoint(Path checkpoint) throws IOException {
    Path tokenizerJson = checkpoint.resolve("tokenizer.json");
    com.google.gson.JsonObject tc = jsonObject(checkpoint.resolve("tokenizer_config.json"));
    String eos = tokenText(tc, "eos_token");
    String pad = tokenText(tc, "pad_token");
    if (eos != null) {
      return load(tokenizerJson, eos, pad);
    }
    Integer eosId = null;
    for (String f : new String[] {"generation_config.json", "config.json"}) {
      com.google.gson.JsonObject o = jsonObject(checkpoint.resolve(f));
      com.google.gson.JsonElement e = o == null ? null : o.get("eos_token_id");
      if (e != null && e.isJsonArray() && e.getAsJsonArray().size() > 0) {
        e = e.getAsJsonArray().get(0);
      }
      if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        eosId = e.getAsInt();
        break;
      }
    }
    if (eosId == null) {
      throw new IOException(checkpoint + ": no end-of-sequence token (eos_token in tokenizer_config.json, or eos_token_id in "
          + "generation_config.json or config.json)");
    }
    HuggingFaceTokenizer t = open(tokenizerJson);
    try {
      int vocab = vocabularySize(tokenizerJson);
      if (eosId < 0 || eosId >= vocab) {
        throw new IOException(checkpoint + ": eos_token_id " + eosId + " is outside the vocabulary of " + vocab);
      }
      return new HfTokenizer(t, vocab, pad == null ? eosId : idOf(t, pad, tokenizerJson), eosId);
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static com.google.gson.JsonObject jsonObject(Path f) throws IOException {
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      return new com.google.gson.Gson().fromJson(Files.readString(f), com.google.gson.JsonObject.class);
    } catch (RuntimeException e) {
      throw new IOException(f + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String tokenText(com.google.gson.JsonObject o, String key) {
    com.google.gson.JsonElement e = o == null ? null : o.get(key);
    if (e != null && e.isJsonObject()) {
      e = e.getAsJsonObject().get("content");
    }
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  /** The id of a text that is exactly one token of this vocabulary, or empty. */
  public java.util.OptionalInt tokenId(String token) {
    long[] ids = tokenizer.encode(token, false, false).getIds();
    return ids.length == 1 ? java.util.OptionalInt.of((int) ids[0]) : java.util.OptionalInt.empty();
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

  /** Frees the native tokenizer; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      tokenizer.close();
    }
  }

  /** Whether {@link #close} has run. */
  synchronized boolean isClosed() {
    return closed;
  }
}
