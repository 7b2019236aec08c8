package ai.goldilocks.grpo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.grpo.math.MathAnswers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmrReaderTest {

  static void writeParquet(Path file, List<MathProblem> problems, boolean old) throws IOException {
    OmrFixture.writeParquet(file, problems, old);
  }

  @Test
  void fixtureAnswersVerifyAgainstTheirOwnSolutions() {
    List<MathProblem> ps = OmrFixture.problems(300, 1);
    assertEquals(300, ps.size());
    for (MathProblem p : ps) {
      assertTrue(MathAnswers.verifySolution(p.expectedAnswer(), p.generatedSolution()).equal(), p.toString());
    }
    assertEquals(ps, OmrFixture.problems(300, 1));
  }

  @Test
  void readsParquetAndJsonlAlikeWithStableIds(@TempDir Path dir) throws IOException {
    List<MathProblem> ps = OmrFixture.problems(200, 2);
    writeParquet(dir.resolve("cot-00000-of-00002.parquet"), ps.subList(0, 100), false);
    writeParquet(dir.resolve("cot-00001-of-00002.parquet"), ps.subList(100, 200), false);
    OmrFixture.writeJsonl(dir.resolve("all.jsonl"), ps);
    List<MathProblem> fromParquet = OmrReader.builder(dir.resolve("cot-*.parquet").toString()).build().readAll();
    List<MathProblem> fromJsonl = OmrReader.builder(dir.resolve("all.jsonl").toString()).build().readAll();
    assertEquals(ps, fromParquet);
    assertEquals(ps, fromJsonl);
    assertEquals(ps.get(7).stableId(), fromParquet.get(7).stableId());
    assertTrue(ps.get(7).stableId().matches("omr-[0-9a-f]{16}"));
  }

  @Test
  void toleratesMissingColumnsAndReportsThem(@TempDir Path dir) throws IOException {
    List<MathProblem> ps = OmrFixture.problems(50, 3);
    writeParquet(dir.resolve("old.parquet"), ps, true);
    OmrReader r = OmrReader.builder(dir.toString()).build();
    List<MathProblem> got = new ArrayList<>();
    ReadReport report = r.read(got::add);
    assertEquals(50, got.size());
    assertNull(got.get(0).passRate72bTir());
    assertNull(got.get(0).usedInKaggle());
    assertEquals(Set.of("pass_rate_72b_tir", "used_in_kaggle"), report.missingColumns());
  }

  @Test
  void filtersDedupesLimitsAndCountsMalformedRows(@TempDir Path dir) throws IOException {
    List<MathProblem> ps = OmrFixture.problems(100, 4);
    Path f = dir.resolve("rows.jsonl");
    OmrFixture.writeJsonl(f, ps);
    Files.writeString(f, Files.readString(f)
        + "{\"problem\": \"\", \"expected_answer\": \"1\"}\n"
        + "this is not json\n"
        + "{\"problem\": \"What is 1+1?\", \"expected_answer\": \"2\", \"pass_rate_72b_tir\": \"high\"}\n"
        + "{\"problem\": \"What is 2+2?\"}\n"
        + "[1, 2]\n"
        + new com.google.gson.Gson().toJson(java.util.Map.of("problem", ps.get(0).problem(), "expected_answer", "x")) + "\n");
    ReadReport all = OmrReader.builder(f.toString()).build().read(p -> { });
    assertEquals(106, all.rowsRead());
    assertEquals(100, all.rowsKept());
    assertEquals(1, all.duplicates());
    assertEquals(5, all.malformedRows());
    assertEquals(1L, all.malformed().get("missing problem text"));
    assertEquals(1L, all.malformed().get("JSONL line is not valid JSON"));
    assertEquals(1L, all.malformed().get("pass_rate_72b_tir not a number or n/a"));
    assertEquals(1L, all.malformed().get("missing expected_answer"));

    List<MathProblem> easy = OmrReader.builder(f.toString()).passRate(0.6, 1.0, false).build().readAll();
    assertTrue(easy.stream().allMatch(p -> p.passRate() >= 0.6), "pass-rate filter");
    List<MathProblem> level1 = OmrReader.builder(f.toString()).problemSources("goldilocks_synthetic_level1").build().readAll();
    assertTrue(!level1.isEmpty() && level1.stream().allMatch(p -> p.problemSource().equals("goldilocks_synthetic_level1")));
    assertEquals(0, OmrReader.builder(f.toString()).inferenceModes("tir").build().readAll().size());
    assertEquals(10, OmrReader.builder(f.toString()).limit(10).build().readAll().size());
    assertEquals(101, OmrReader.builder(f.toString()).dedupe(false).build().read(p -> { }).rowsKept());
  }

  @Test
  void unreadableFilesAreNamed(@TempDir Path dir) throws IOException {
    Path lfs = dir.resolve("cot-00000-of-00144.parquet");
    Files.writeString(lfs, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 62000000\n");
    IOException e = assertThrows(IOException.class, () -> OmrReader.builder(lfs.toString()).build().readAll());
    assertTrue(e.getMessage().contains(lfs.toString()) && e.getMessage().contains("LFS"), e.getMessage());

    Path good = dir.resolve("good.parquet");
    writeParquet(good, OmrFixture.problems(100, 5), false);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = dir.resolve("truncated.parquet");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    IOException t = assertThrows(IOException.class, () -> OmrReader.builder(truncated.toString()).build().readAll());
    assertTrue(t.getMessage().contains(truncated.toString()), t.getMessage());

    IOException none = assertThrows(IOException.class, () -> OmrReader.builder(dir.resolve("nothing-*.parquet").toString()).build());
    assertTrue(none.getMessage().contains("nothing-*.parquet"), none.getMessage());
  }
}
