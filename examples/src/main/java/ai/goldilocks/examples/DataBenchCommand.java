package ai.goldilocks.examples;

import ai.goldilocks.grpo.data.MathProblem;
import ai.goldilocks.grpo.data.OmrFixture;
import ai.goldilocks.grpo.data.OmrReader;
import ai.goldilocks.grpo.data.ReadReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code data-bench}: reading speed of OpenMathReasoning-format parquet shards and JSONL. */
@Command(name = "data-bench", mixinStandardHelpOptions = true,
    description = "Write synthetic OpenMathReasoning-format data (4 parquet shards and one JSONL file) and time OmrReader on it.")
final class DataBenchCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "500000", description = "Rows (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--repeats", defaultValue = "3", description = "Timed reads per format; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("omr-bench");
    List<MathProblem> base = OmrFixture.problems(2000, 7);
    List<MathProblem> all = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      MathProblem p = base.get(i % base.size());
      // distinct problem texts of realistic length (about 320 characters with the solution)
      all.add(new MathProblem(p.problem() + " (variant " + i + ")", p.generatedSolution() + " " + "Checking each step carefully. ".repeat(4),
          p.generationModel(), p.problemType(), p.expectedAnswer(), p.problemSource(), p.inferenceMode(), p.passRate72bTir(),
          p.usedInKaggle()));
    }
    Path pq = Files.createDirectories(dir.resolve("parquet"));
    int shard = (rows + 3) / 4;
    for (int s = 0; s < 4; s++) {
      OmrFixture.writeParquet(pq.resolve(String.format("cot-%05d-of-00004.parquet", s)),
          all.subList(s * shard, Math.min(rows, (s + 1) * shard)), false);
    }
    Path jl = Files.createDirectories(dir.resolve("jsonl"));
    OmrFixture.writeJsonl(jl.resolve("cot.jsonl"), all);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rows", rows);
    out.put("parquetBytes", Files.walk(pq).filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum());
    out.put("jsonlBytes", Files.size(jl.resolve("cot.jsonl")));
    for (String fmt : new String[] {"parquet", "jsonl"}) {
      double[] secs = new double[repeats];
      ReadReport last = null;
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        long[] chars = new long[1];
        last = OmrReader.builder(dir.resolve(fmt).toString()).build().read(p -> chars[0] += p.problem().length());
        secs[r] = (System.nanoTime() - t0) / 1e9;
      }
      Arrays.sort(secs);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", Json.round(secs[repeats / 2], 3));
      m.put("rowsPerSecond", Math.round(rows / secs[repeats / 2]));
      m.put("rowsKept", last.rowsKept());
      out.put(fmt, m);
    }
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    output.print(out);
    return 0;
  }
}
