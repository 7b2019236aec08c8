package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.PoolReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server reads JSONL itself and every other format through a {@link PoolReader} on the class path. */
class PoolFilesTest {

  @Test
  void jsonlWithIdAndTextIsReadByTheCoreSkippingMalformedRows(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("q.jsonl");
    Files.write(f, List.of("{\"id\": \"a\", \"text\": \"one\"}", "{\"id\": \"b\"", "{\"id\": \"c\", \"text\": \"three\"}"));
    QuestionPool pool = PoolFiles.load(f.toString(), List.of());
    assertEquals(2, pool.size());
    assertEquals("c", pool.id(1));
  }

  @Test
  void otherFormatsNeedAReaderOnTheClassPathAndTheMessageSaysWhichJar(@TempDir Path dir) throws IOException {
    Path omr = dir.resolve("omr.jsonl");
    Files.write(omr, List.of("{\"problem\": \"What is 1+1?\", \"expected_answer\": \"2\"}"));
    Path parquet = dir.resolve("shard.parquet");
    Files.write(parquet, new byte[] {'P', 'A', 'R', '1'});
    for (Path p : List.of(omr, parquet)) {
      IOException e = assertThrows(IOException.class, () -> PoolFiles.load(p.toString(), List.of()));
      assertTrue(e.getMessage().contains("goldilocks-grpo") && e.getMessage().contains(p.toString()), e.getMessage());
    }
    PoolReader fake = new PoolReader() {
      @Override
      public String name() {
        return "fake";
      }

      @Override
      public boolean accepts(String source) {
        return source.endsWith(".parquet");
      }

      @Override
      public QuestionPool read(String source) {
        return QuestionPool.of(List.of(new Question("x", source)));
      }
    };
    assertEquals(parquet.toString(), PoolFiles.load(parquet.toString(), List.of(fake)).text(0));
    IOException none = assertThrows(IOException.class, () -> PoolFiles.load(omr.toString(), List.of(fake)));
    assertTrue(none.getMessage().contains("(fake)"), none.getMessage());
    IOException missing = assertThrows(IOException.class, () -> PoolFiles.load(dir.resolve("nope.jsonl").toString(), List.of()));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
  }
}
