package ai.goldilocks.core;

import java.util.Map;
import java.util.Objects;

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
public record Question(String id, String text, Map<String, String> metadata) {

  /** Validates and copies the fields. */
  public Question {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(text, "text");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("question id must not be empty");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** A question without metadata. */
  public Question(String id, String text) {
    this(id, text, Map.of());
  }
}
