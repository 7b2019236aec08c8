package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Rng;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.UtilityPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.data.MathProblem;
import ai.goldilocks.grpo.data.OmrReader;
import ai.goldilocks.grpo.data.ReadReport;
import ai.goldilocks.grpo.math.MathAnswers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code omr}: the Goldilocks loop on OpenMathReasoning-format data. The teacher scores the real
 * problem text, the policy writes {@code \boxed{}} answers, the math verifier rewards them. With no
 * options it runs on the bundled fixture (problems this project wrote in the dataset's schema).
 */
@Command(name = "omr", mixinStandardHelpOptions = true,
    description = "Goldilocks GRPO on OpenMathReasoning-format data (bundled fixture by default).")
final class OmrCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OmrCommand.class);

  @Option(names = "--data", description = "A directory, file or glob of OpenMathReasoning parquet shards or JSONL (default: the bundled fixture).")
  String data;

  @Option(names = "--limit", defaultValue = "0", description = "Read at most this many problems (default: no limit).")
  long limit;

  @Option(names = "--model", description = "A policy checkpoint directory written by TransformerPolicy.save (config.json + model.safetensors); "
      + "skips the warm start.")
  Path model;

  @Option(names = "--teacher", defaultValue = "features", description = "features (CPU) or djl (transformer encoder) (default: ${DEFAULT-VALUE}).")
  String teacher;

  @Option(names = "--arms", split = ",", defaultValue = "goldilocks,uniform", description = "Samplers to compare (default: ${DEFAULT-VALUE}).")
  List<String> arms;

  @Option(names = "--steps", defaultValue = "150", description = "GRPO steps per arm (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warmup-steps", defaultValue = "600", description = "Supervised warm-start steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--out", defaultValue = "results/omr", description = "Results folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--json", description = "Print the summary as one JSON object on stdout.")
  boolean json;

  private static final SamplingConfig ROLLOUT = new SamplingConfig(1.0, 1.0, 24);
  private int skippedWarmStartSteps;
  private static final SamplingConfig GREEDY = new SamplingConfig(1.0, 1e-9, 24);

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(out);
    Path source;
    if (data == null) {
      source = out.resolve("fixture.jsonl");
      try (InputStream in = OmrCommand.class.getResourceAsStream("/omr/fixture.jsonl")) {
        Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
      }
    } else {
      source = Path.of(data);
    }
    OmrReader reader = OmrReader.builder(source.toString()).problemTypes("has_answer_extracted").limit(limit).build();
    List<MathProblem> problems = new ArrayList<>();
    ReadReport report = reader.read(problems::add);
    LOG.info("read {} problems from {} file(s): {} rows, {} filtered, {} duplicates, {} malformed {}, missing columns {}",
        problems.size(), report.files(), report.rowsRead(), report.filteredOut(), report.duplicates(), report.malformedRows(),
        report.malformed(), report.missingColumns());
    if (problems.size() < 40) {
      throw new IllegalArgumentException("need at least 40 problems with answers, got " + problems.size());
    }
    // deterministic split by stable id: a fifth for validation
    List<MathProblem> train = new ArrayList<>();
    List<MathProblem> validation = new ArrayList<>();
    for (MathProblem p : problems) {
      (Long.parseUnsignedLong(p.stableId().substring(4, 12), 16) % 5 == 0 ? validation : train).add(p);
    }
    QuestionPool pool = QuestionPool.of(train.stream().map(MathProblem::toQuestion).toList());
    StringBuilder chars = new StringBuilder("0123456789+-*/=()[]{},.\\^$ ");
    TreeSet<Character> seen = new TreeSet<>();
    for (MathProblem p : problems) {
      for (char c : (p.problem() + target(p)).toCharArray()) {
        seen.add(c);
      }
    }
    seen.forEach(chars::append);
    CharTokenizer tok = new CharTokenizer(chars.toString());
    int maxLen = 0;
    for (MathProblem p : problems) {
      maxLen = Math.max(maxLen, p.problem().length() + target(p).length() + 2);
    }
    TransformerConfig cfg = model != null ? TransformerPolicy.readConfig(model)
        : new TransformerConfig(tok.vocabSize(), 128, 2, 4, 512, Math.min(512, maxLen + 8));
    Path warmDir = out.resolve("warmstart");
    if (model != null) {
      warmDir = model;
    } else {
      try (TransformerPolicy p = policy(cfg, tok, 1e-3)) {
        Rng rng = new Rng(seed);
        skippedWarmStartSteps = ArmRun.warmStart(p, warmup, 1e-3, s -> {
          List<Sequence> b = new ArrayList<>();
          for (int i = 0; i < 32; i++) {
            b.add(sequence(tok, train.get(rng.nextInt(train.size()))));
          }
          return b;
        });
        p.save(warmDir);
      }
    }
    Map<String, ArmRun.Result> results = new LinkedHashMap<>();
    for (String arm : arms) {
      results.put(arm, runArm(arm, cfg, tok, pool, validation, warmDir));
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("data", data == null ? "bundled fixture" : data);
    c.put("problems", problems.size());
    c.put("train", train.size());
    c.put("validation", validation.size());
    c.put("malformedRows", report.malformed());
    c.put("missingColumns", report.missingColumns());
    c.put("model", cfg);
    c.put("teacher", teacher);
    c.put("steps", steps);
    c.put("skippedWarmStartSteps", skippedWarmStartSteps);
    summary.put("config", c);
    Map<String, Object> armsOut = ArmRun.writeReport(out, summary, results);
    if (json) {
      System.out.println(Json.GSON.toJson(summary));
    } else {
      armsOut.forEach((k, v) -> System.out.println(k + ": " + v));
      System.out.println("results, logs and plots: " + out.toAbsolutePath());
    }
    return 0;
  }

  private TransformerPolicy policy(TransformerConfig cfg, CharTokenizer tok, double lr) {
    return TransformerPolicy.builder(cfg, tok).seed(seed).learningRate(lr).build();
  }

  /** What the policy is taught to write: the boxed answer. */
  static String target(MathProblem p) {
    String a = MathAnswers.extract(p.generatedSolution() == null ? "" : p.generatedSolution()).orElse(p.expectedAnswer());
    return "\\boxed{" + a + "}";
  }

  private static Sequence sequence(CharTokenizer tok, MathProblem p) {
    int[] t = tok.encode(target(p));
    int[] c = java.util.Arrays.copyOf(t, t.length + 1);
    c[t.length] = tok.eosId();
    return new Sequence(tok.encode(p.problem()), c);
  }

  private double accuracy(TransformerPolicy p, CharTokenizer tok, List<MathProblem> validation) {
    Map<Integer, List<MathProblem>> byLength = new java.util.TreeMap<>();
    for (MathProblem m : validation) {
      byLength.computeIfAbsent(tok.encode(m.problem()).length, k -> new ArrayList<>()).add(m);
    }
    int ok = 0;
    for (List<MathProblem> g : byLength.values()) {
      int[][] prompts = g.stream().map(m -> tok.encode(m.problem())).toArray(int[][]::new);
      List<Completion> cs = p.generateBatch(prompts, GREEDY, 0);
      for (int i = 0; i < g.size(); i++) {
        ok += MathAnswers.verifySolution(g.get(i).expectedAnswer(), cs.get(i).text()).equal() ? 1 : 0;
      }
    }
    return (double) ok / validation.size();
  }

  private ArmRun.Result runArm(String arm, TransformerConfig cfg, CharTokenizer tok, QuestionPool pool, List<MathProblem> validation,
      Path warmDir) throws IOException {
    Path dir = Files.createDirectories(out.resolve(arm));
    Path metrics = dir.resolve("metrics.jsonl");
    Files.deleteIfExists(metrics);
    Sampler s = sampler(arm, pool, tok);
    try (TransformerPolicy p = policy(cfg, tok, 1e-4); s) {
      p.load(warmDir);
      GrpoTrainer trainer = GrpoTrainer.builder(p, s, (q, c) -> MathAnswers.verifySolution(q.metadata().get("answer"), c.text())
              .equal() ? 1.0 : 0.0)
          .batchSize(16).groupSize(8).seed(seed).sampling(ROLLOUT).metricsFile(metrics).build();
      return ArmRun.run(arm, dir, p, s, trainer, (long) steps * 16 * 8, 25, 1e-4, steps / 10,
          (policy, full) -> Map.of("accuracy", accuracy(policy, tok, validation)));
    } finally {
      ArmRun.closeTeacher(s);
    }
  }

  private Sampler sampler(String arm, QuestionPool pool, CharTokenizer tok) {
    if (arm.equals("uniform")) {
      return UniformSampler.builder(pool).seed(seed).build();
    }
    if (!arm.equals("goldilocks")) {
      throw new IllegalArgumentException("unknown arm '" + arm + "' (goldilocks, uniform)");
    }
    UtilityPredictor t = switch (teacher) {
      case "features" -> FeaturePredictor.builder().seed(seed).build();
      case "djl" -> TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 128), tok).seed(seed).build();
      default -> throw new IllegalArgumentException("unknown teacher '" + teacher + "' (features, djl)");
    };
    return GoldilocksSampler.builder(pool).predictor(t).window(1024).updateEvery(64).epochs(2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(seed).build();
  }
}
