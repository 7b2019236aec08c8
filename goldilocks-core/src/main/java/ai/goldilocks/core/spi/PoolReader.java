package ai.goldilocks.core.spi;

import ai.goldilocks.core.QuestionPool;
import java.io.IOException;
import org.apiguardian.api.API;

/**
 * A reader of question pools in a format the core does not read itself (the core reads JSON Lines
 * with {@code id} and {@code text}: {@link ai.goldilocks.core.JsonlPool}), found through
 * {@link java.util.ServiceLoader}: the teacher service reads OpenMathReasoning's parquet and JSONL
 * when goldilocks-grpo's jar is on the class path, without depending on it. Implementations are
 * listed in {@code META-INF/services/ai.goldilocks.core.spi.PoolReader} and have a public
 * no-argument constructor.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface PoolReader {
  /** What the reader reads, for messages, e.g. {@code OpenMathReasoning parquet or JSONL (goldilocks-grpo)}. */
  String name();

  /**
   * Whether this reader takes {@code source} (a file, a directory or a glob), judged by its name or
   * its first bytes; cheap, and never an error.
   */
  boolean accepts(String source);

  /**
   * Reads every question of {@code source}.
   *
   * @throws IOException if it cannot be read or holds no usable question, naming the source
   */
  QuestionPool read(String source) throws IOException;
}
