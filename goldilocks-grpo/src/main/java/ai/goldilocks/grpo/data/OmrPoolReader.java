package ai.goldilocks.grpo.data;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.PoolReader;
import java.io.IOException;
import java.util.Locale;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PoolReader} of OpenMathReasoning rows (parquet shards, or JSONL rows with
 * {@code problem}), through {@link OmrReader} with no filter: what the teacher service reads for
 * {@code --pool x.parquet} when this module is on the class path. Question ids are
 * {@link MathProblem#toQuestion}'s.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class OmrPoolReader implements PoolReader {
  private static final Logger LOG = LoggerFactory.getLogger(OmrPoolReader.class);

  /** For {@link java.util.ServiceLoader}. */
  public OmrPoolReader() {}

  @Override
  public String name() {
    return "OpenMathReasoning parquet or JSONL (goldilocks-grpo)";
  }

  @Override
  public boolean accepts(String source) {
    String s = source.toLowerCase(Locale.ROOT);
    // a directory or a glob of shards, a parquet file, or JSONL rows in OpenMathReasoning's layout
    return !s.endsWith(".json") && !s.endsWith(".txt") && !s.endsWith(".csv");
  }

  @Override
  public QuestionPool read(String source) throws IOException {
    QuestionPool.Builder b = QuestionPool.builder();
    ReadReport report = OmrReader.builder(source).build().read(mp -> b.add(mp.toQuestion()));
    LOG.info("read {}: {}", source, report);
    if (b.size() == 0) {
      throw new IOException("no usable question in " + source + " (" + report + ")");
    }
    return b.build();
  }
}
