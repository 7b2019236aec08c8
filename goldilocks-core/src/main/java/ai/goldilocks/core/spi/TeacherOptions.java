package ai.goldilocks.core.spi;

import ai.goldilocks.core.predictor.TeacherTarget;
import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * What a host asks of a teacher a {@link TeacherProvider} creates: the seed, the head (what it
 * learns), how much of each question's text it reads, and a local pretrained model to start from.
 * Unset values (null, 0) leave the provider's own default.
 *
 * @param seed the teacher's seed
 * @param head what the teacher learns ({@link TeacherTarget#SUCCESS_RATE}, the default of the
 *     {@code benchmark} and {@code omr} commands, or {@link TeacherTarget#UTILITY}); null: the provider's default
 * @param textLength the longest text the teacher reads, in its tokens; 0: the provider's default
 * @param model a local directory holding a pretrained model (e.g. a Hugging Face checkpoint); null: none
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TeacherOptions(long seed, TeacherTarget head, int textLength, Path model) {
  /** Checks the text length. */
  public TeacherOptions {
    if (textLength < 0) {
      throw new IllegalArgumentException("textLength must be >= 0 (0: the teacher's default), got " + textLength);
    }
  }

  /** Only a seed: every other choice is the provider's. */
  public static TeacherOptions seed(long seed) {
    return new TeacherOptions(seed, null, 0, null);
  }

  /** Whether anything but the seed is set. */
  public boolean hasChoices() {
    return head != null || textLength != 0 || model != null;
  }
}
