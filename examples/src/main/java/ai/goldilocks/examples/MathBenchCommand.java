package ai.goldilocks.examples;

import ai.goldilocks.grpo.math.MathAnswers;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
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

/**
 * {@code math-bench}: the time per gold/prediction pair of {@link MathAnswers#verify} over a table
 * of pairs (by default the one its tests read), and how many verdicts differ from the table's.
 *
 * <p>It calls only {@code verify} and {@code Verdict.equal()}, so an older build of the verifier put
 * first on the class path is measured by the same code.
 */
@Command(name = "math-bench", mixinStandardHelpOptions = true,
    description = "Time MathAnswers.verify per gold/prediction pair over a table (median and p99) and count wrong verdicts.")
final class MathBenchCommand implements Callable<Integer> {
  @Option(names = "--table", defaultValue = "goldilocks-grpo/src/test/resources/ai/goldilocks/grpo/math/pairs.tsv",
      description = "Pairs: gold<TAB>predicted<TAB>equal|not-equal per line, # comments (default: ${DEFAULT-VALUE}).")
  Path table;

  @Option(names = "--warmup", defaultValue = "30", description = "Untimed passes over the table first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--rounds", defaultValue = "30",
      description = "Timed passes; a pair's time is its median over them (default: ${DEFAULT-VALUE}).")
  int rounds;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() throws IOException {
    if (warmup < 0 || rounds < 1) {
      throw new IllegalArgumentException("--warmup must be >= 0 and --rounds >= 1, got " + warmup + " and " + rounds);
    }
    List<String[]> pairs = read(table);
    long t0 = System.nanoTime();
    MathAnswers.verify("\\frac{1}{2}", "0.5");
    double firstCallMs = (System.nanoTime() - t0) / 1e6;
    int falsePositives = 0;
    int falseNegatives = 0;
    List<String> wrong = new ArrayList<>();
    for (String[] p : pairs) {
      boolean want = p[2].equals("equal");
      boolean got = MathAnswers.verify(p[0], p[1]).equal();
      if (got != want) {
        falsePositives += got ? 1 : 0;
        falseNegatives += got ? 0 : 1;
        if (wrong.size() < 20) {
          wrong.add(p[0] + " vs " + p[1] + " -> " + got);
        }
      }
    }
    long timedOutBefore = timedOut();
    for (int r = 0; r < warmup; r++) {
      for (String[] p : pairs) {
        MathAnswers.verify(p[0], p[1]);
      }
    }
    long[][] nanos = new long[pairs.size()][rounds];
    long start = System.nanoTime();
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < pairs.size(); i++) {
        long t = System.nanoTime();
        MathAnswers.verify(pairs.get(i)[0], pairs.get(i)[1]);
        nanos[i][r] = System.nanoTime() - t;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double[] perPair = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      long[] t = nanos[i].clone();
      Arrays.sort(t);
      perPair[i] = t[t.length / 2] / 1e3;
    }
    double[] sorted = perPair.clone();
    Arrays.sort(sorted);
    int slowest = 0;
    for (int i = 1; i < perPair.length; i++) {
      slowest = perPair[i] > perPair[slowest] ? i : slowest;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("table", table.toString());
    out.put("pairs", pairs.size());
    out.put("rounds", rounds);
    out.put("medianUs", round(sorted[sorted.length / 2]));
    out.put("p99Us", round(sorted[Math.max(0, (int) Math.ceil(sorted.length * 0.99) - 1)]));
    out.put("maxUs", round(sorted[sorted.length - 1]));
    out.put("slowestPair", pairs.get(slowest)[0] + " vs " + pairs.get(slowest)[1]);
    out.put("meanUs", round(seconds * 1e6 / ((double) rounds * pairs.size())));
    out.put("firstCallMs", round(firstCallMs));
    out.put("falsePositives", falsePositives);
    out.put("falseNegatives", falseNegatives);
    out.put("wrong", wrong);
    long after = timedOut();
    out.put("timedOutPerPass", after < 0 ? null : (after - timedOutBefore) / (warmup + rounds));
    out.put("cpu", cpuModel());
    out.put("java", System.getProperty("java.version"));
    output.print(out);
    return 0;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  static List<String[]> read(Path table) throws IOException {
    List<String[]> pairs = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length < 3 || !(f[2].equals("equal") || f[2].equals("not-equal"))) {
        throw new IllegalArgumentException(table + " line " + n + ": want gold<TAB>predicted<TAB>equal|not-equal, got: " + line);
      }
      pairs.add(f);
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException(table + " has no pairs");
    }
    return pairs;
  }

  /** MathAnswers.stats().timedOut() where the verifier on the class path has it, else -1. */
  private static long timedOut() {
    try {
      Method stats = MathAnswers.class.getMethod("stats");
      Object s = stats.invoke(null);
      return (long) s.getClass().getMethod("timedOut").invoke(s);
    } catch (ReflectiveOperationException e) {
      return -1;
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim() + " x" + Runtime.getRuntime().availableProcessors();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the architecture below
    }
    return System.getProperty("os.arch") + " x" + Runtime.getRuntime().availableProcessors();
  }
}
