package ai.goldilocks.core;

import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A question (prompt) that a student policy can be trained on.
 *
 * <p>The {@code id} is the stable key that feedback refers to; it must be unique within a
 * {@link QuestionPool} and should not change between runs, so checkpoints stay valid.
 *
 * @param id stable, non-empty identifier
 * @param text the question text the policy and the teacher read
 * @param metadata optional string attributes (source, reference answer, ...); copied, never null
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public record Question(String id, String text, Map<String, String> metadata) {

  /** Validates and copies the fields. */
  public Question {
    Objects.requireNonNull(id, "question id is null");
    if (text == null) {
      throw new NullPointerException("question '" + id + "' has a null text");
    }
    if (id.isEmpty()) {
      throw new IllegalArgumentException("question id must not be empty");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(String.format("question id %s has a lone surrogate U+%04X at index %d: it cannot be stored"
            + " as UTF-8 and would come back changed", idForMessage(id), (int) c, i));
      }
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  private static String idForMessage(String id) {
    StringBuilder b = new StringBuilder("'");
    for (char c : id.toCharArray()) {
      b.append(Character.isSurrogate(c) ? String.format("\\u%04X", (int) c) : String.valueOf(c));
    }
    return b.append("'").toString();
  }

  /** A question without metadata. */
  public Question(String id, String text) {
    this(id, text, Map.of());
  }
}
