package ai.goldilocks.grpo;

import java.util.Arrays;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A prompt and a completion as token ids: the unit a {@link Policy} scores and trains on.
 *
 * @param prompt prompt tokens, at least one
 * @param completion completion tokens (may be empty)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record Sequence(int[] prompt, int[] completion) {
  /** Validates and copies. */
  public Sequence {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(completion, "completion");
    if (prompt.length == 0) {
      throw new IllegalArgumentException("a sequence needs at least one prompt token");
    }
    prompt = prompt.clone();
    completion = completion.clone();
  }

  @Override
  public int[] prompt() {
    return prompt.clone();
  }

  @Override
  public int[] completion() {
    return completion.clone();
  }

  /** Total tokens. */
  public int length() {
    return prompt.length + completion.length;
  }

  /** Prompt followed by completion. */
  public int[] tokens() {
    int[] t = Arrays.copyOf(prompt, prompt.length + completion.length);
    System.arraycopy(completion, 0, t, prompt.length, completion.length);
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sequence s && Arrays.equals(s.prompt, prompt) && Arrays.equals(s.completion, completion);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(prompt) + Arrays.hashCode(completion);
  }

  @Override
  public String toString() {
    return "Sequence[prompt=" + Arrays.toString(prompt) + ", completion=" + Arrays.toString(completion) + "]";
  }
}
