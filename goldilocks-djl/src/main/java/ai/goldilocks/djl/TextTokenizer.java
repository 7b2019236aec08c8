package ai.goldilocks.djl;

import org.apiguardian.api.API;

/**
 * Turns text into token ids and back, with a padding id and an end-of-sequence id.
 * Implementations: {@link CharTokenizer} and {@link HfTokenizer}.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface TextTokenizer {
  /** Token ids of {@code text} (no special tokens added). */
  int[] encode(String text);

  /** Text of {@code ids}; padding and end-of-sequence ids are dropped. */
  String decode(int[] ids);

  /** Vocabulary size. */
  int vocabSize();

  /** The padding id. */
  int padId();

  /** The end-of-sequence id. */
  int eosId();
}
