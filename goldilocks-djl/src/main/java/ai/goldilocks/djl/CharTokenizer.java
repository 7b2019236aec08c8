package ai.goldilocks.djl;

import java.util.Arrays;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A character-level tokenizer for the synthetic tasks: id 0 is padding, id 1 end-of-sequence,
 * id 2 unknown, then one id per character of the alphabet.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class CharTokenizer implements TextTokenizer {
  private final String alphabet;
  private final int[] index = new int[65536];

  /** A tokenizer over the distinct characters of {@code alphabet}, in order. */
  public CharTokenizer(String alphabet) {
    Objects.requireNonNull(alphabet, "alphabet");
    StringBuilder distinct = new StringBuilder();
    Arrays.fill(index, 2);
    for (char c : alphabet.toCharArray()) {
      if (distinct.indexOf(String.valueOf(c)) < 0) {
        index[c] = 3 + distinct.length();
        distinct.append(c);
      }
    }
    if (distinct.length() == 0) {
      throw new IllegalArgumentException("empty alphabet");
    }
    this.alphabet = distinct.toString();
  }

  /** Digits and the arithmetic operators of {@code ArithmeticTasks}. */
  public static CharTokenizer arithmetic() {
    return new CharTokenizer("0123456789+-*=");
  }

  /** The alphabet, without special tokens. */
  public String alphabet() {
    return alphabet;
  }

  @Override
  public int[] encode(String text) {
    int[] ids = new int[text.length()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = index[text.charAt(i)];
    }
    return ids;
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      if (id >= 3 && id < 3 + alphabet.length()) {
        b.append(alphabet.charAt(id - 3));
      } else if (id == 2) {
        b.append('\ufffd');
      }
    }
    return b.toString();
  }

  @Override
  public int vocabSize() {
    return 3 + alphabet.length();
  }

  @Override
  public int padId() {
    return 0;
  }

  @Override
  public int eosId() {
    return 1;
  }
}
