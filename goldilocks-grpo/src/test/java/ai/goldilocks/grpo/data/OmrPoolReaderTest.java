package ai.goldilocks.grpo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.PoolReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenMathReasoning pool reader is found through ServiceLoader and reads parquet shards. */
class OmrPoolReaderTest {

  @Test
  void isFoundByServiceLoaderAndReadsParquet(@TempDir Path dir) throws IOException {
    PoolReader reader = ServiceLoader.load(PoolReader.class).stream().map(ServiceLoader.Provider::get)
        .filter(r -> r instanceof OmrPoolReader).findFirst().orElseThrow(() -> new AssertionError("not registered"));
    List<MathProblem> ps = OmrFixture.problems(40, 3);
    Path shard = dir.resolve("cot-00000-of-00001.parquet");
    OmrFixture.writeParquet(shard, ps, false);
    assertTrue(reader.accepts(shard.toString()));
    QuestionPool pool = reader.read(shard.toString());
    assertEquals(40, pool.size());
    assertEquals(ps.get(5).toQuestion().id(), pool.id(5));
    Path empty = dir.resolve("empty.jsonl");
    Files.write(empty, List.of("{\"nothing\": 1}"));
    IOException e = assertThrows(IOException.class, () -> reader.read(empty.toString()));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
  }
}
