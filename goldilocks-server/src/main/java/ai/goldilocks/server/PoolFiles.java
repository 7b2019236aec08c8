package ai.goldilocks.server;

import ai.goldilocks.core.JsonlPool;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.PoolReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pool the server serves: JSON Lines rows with {@code id} and {@code text} through the
 * core's {@link JsonlPool} (malformed rows skipped, counted and reported), or any other format
 * through a {@link PoolReader} on the class path (goldilocks-grpo's reads OpenMathReasoning parquet
 * and JSONL rows with {@code problem}).
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class PoolFiles {
  private static final Logger LOG = LoggerFactory.getLogger(PoolFiles.class);

  private PoolFiles() {}

  /** Loads the pool at {@code source}: a JSONL file, or a file, directory or glob another reader takes. */
  public static QuestionPool load(String source) throws IOException {
    return load(source, ServiceLoader.load(PoolReader.class, PoolFiles.class.getClassLoader()));
  }

  /** {@link #load(String)} with the given readers (tests). */
  static QuestionPool load(String source, Iterable<PoolReader> readers) throws IOException {
    Path p;
    try {
      p = Path.of(source);
    } catch (RuntimeException e) {
      p = null; // a glob: only a reader can take it
    }
    if (p != null && Files.isRegularFile(p) && source.endsWith(".jsonl") && JsonlPool.looksLikeIdText(p)) {
      JsonlPool.Result r = JsonlPool.read(p, true);
      LOG.info("read {}: {} questions, {} malformed rows skipped", source, r.pool().size(), r.skipped());
      return r.pool();
    }
    List<String> names = new ArrayList<>();
    for (PoolReader reader : readers) {
      names.add(reader.name());
      if (reader.accepts(source)) {
        return reader.read(source);
      }
    }
    if (p != null && !Files.exists(p) && !source.contains("*")) {
      throw new IOException("no pool at " + source + ": no such file or directory");
    }
    throw new IOException(source + " is not JSONL with \"id\" and \"text\" rows, and "
        + (names.isEmpty() ? "no other pool reader is on the class path" : "no reader on the class path takes it ("
            + String.join(", ", names) + ")")
        + ". For OpenMathReasoning parquet shards or JSONL rows with \"problem\", add goldilocks-grpo's jar and "
        + "parquet-floor's to the class path (e.g. java -cp 'examples/target/goldilocks-examples.jar:"
        + "examples/target/lib/*' ai.goldilocks.server.ServerMain ...); or convert the pool to JSONL rows with "
        + "\"id\" and \"text\"");
  }
}
