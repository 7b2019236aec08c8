package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.FeatureSet;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.sampler.BetaThompsonSampler;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's arms: what each is (its sampler and teacher, whether it filters dynamically,
 * whether it is an upper bound), and one arm's GRPO run from the warm start.
 */
final class BenchmarkArms {
  /**
   * What an arm is, read by the trainer's set-up and the summary instead of branching on its name;
   * {@code startRank} orders parallel workers by decreasing run time (measured alone,
   * docs/benchmarks.md), so they finish together.
   */
  record Arm(String name, boolean dynamicFilter, boolean upperBound, int startRank) {}

  private static final List<Arm> KINDS = List.of(new Arm("goldilocks-djl", false, false, 0), new Arm("goldilocks-cpu", false, false, 2),
      new Arm("uniform", false, false, 4), new Arm("dynamic-filter", true, false, 5), new Arm("beta-thompson", false, false, 3),
      new Arm("oracle", false, true, 1), new Arm("goldilocks-cpu-text", false, false, 2));
  /** The arms' names, in the order of the summary. */
  static final List<String> NAMES = KINDS.stream().map(Arm::name).toList();
  /**
   * The arms run when none are named: all but {@code goldilocks-cpu-text}, which measures what the
   * CPU teacher keeps without the arithmetic features (issue 28), not the method against baselines.
   */
  static final List<String> DEFAULT_NAMES = NAMES.stream().filter(n -> !n.equals("goldilocks-cpu-text")).toList();
  /** The arms' names, the slowest first. */
  static final List<String> HEAVIEST_FIRST = KINDS.stream().sorted(Comparator.comparingInt(Arm::startRank)).map(Arm::name).toList();

  /**
   * The Goldilocks arms' replay window, in samples. A quarter of the library's default (4096): the
   * benchmark's whole run is 600 steps x 16 questions = 9,600 samples, so 1,024 is its last 64
   * steps (about a ninth of the run) where 4,096 would be its last 256 (more than two fifths) of a
   * student whose success rates move while it learns; and the DJL teacher, the slowest arm, trains
   * synchronously for 2 epochs over the window every 64 samples, so its cost grows with the window.
   * The value dates from the benchmark's first commit (ebb1eab), which recorded no reason; these
   * are the reasons the setting answers to, not a measurement of other windows.
   */
  static final int TEACHER_WINDOW = 1024;

  private final CharTokenizer tok;
  private final WarmStartCache.Policies policies;
  private final BenchmarkEvaluation evaluation;
  private final GroupShape shape;
  private final double lr;
  private final double lrWarmup;
  private final TeacherTarget djlTarget;

  BenchmarkArms(CharTokenizer tok, WarmStartCache.Policies policies, BenchmarkEvaluation evaluation, GroupShape shape, double lr,
      double lrWarmup, TeacherTarget djlTarget) {
    this.tok = tok;
    this.policies = policies;
    this.evaluation = evaluation;
    this.shape = shape;
    this.lr = lr;
    this.lrWarmup = lrWarmup;
    this.djlTarget = djlTarget;
  }

  static Arm kind(String name) {
    return KINDS.stream().filter(a -> a.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown arm '" + name + "'; known: " + NAMES));
  }

  /** The teacher target named by {@code --djl-teacher-target}. */
  static TeacherTarget djlTarget(String name) {
    return switch (name) {
      case "utility" -> TeacherTarget.UTILITY;
      case "success-rate" -> TeacherTarget.SUCCESS_RATE;
      default -> throw new IllegalArgumentException("--djl-teacher-target must be utility or success-rate, got " + name);
    };
  }

  private Sampler sampler(long seed, String arm, QuestionPool pool, TransformerPolicy policy, Map<String, ArithmeticTask> byId) {
    return switch (arm) {
      case "goldilocks-djl" -> goldilocks(seed, pool, TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32),
          tok).seed(seed).learningRate(1e-3).target(djlTarget).build(), 0.1);
      // arithmetic questions: the arm opts in to the arithmetic features (digit and column statistics)
      case "goldilocks-cpu" -> goldilocks(seed, pool, FeaturePredictor.builder().seed(seed).features(FeatureSet.ARITHMETIC).build(), 0.1);
      // the same teacher with the library's default, task-neutral features: what a user who does not opt in gets
      case "goldilocks-cpu-text" -> goldilocks(seed, pool, FeaturePredictor.builder().seed(seed).build(), 0.1);
      case "oracle" -> goldilocks(seed, pool, new ExactPOracle(evaluation, policy, byId), 0.0);
      case "beta-thompson" -> BetaThompsonSampler.builder(pool).seed(seed).build();
      default -> UniformSampler.builder(pool).seed(seed).build();
    };
  }

  private static GoldilocksSampler goldilocks(long seed, QuestionPool pool, UtilityPredictor teacher, double epsilon) {
    // synchronous teacher updates keep the benchmark exactly reproducible for a seed
    return GoldilocksSampler.builder(pool).predictor(teacher).candidates(16).epsilon(epsilon).window(TEACHER_WINDOW).updateEvery(64)
        .epochs(2).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(seed).build();
  }

  /**
   * One arm: GRPO from the warm start with the arm's sampler until {@code budget} rollouts are
   * spent, evaluated every {@code every} steps on {@code validation}; logs under {@code out/arm}.
   */
  ArmRun.Result run(long seed, String arm, QuestionPool pool, Map<String, ArithmeticTask> byId, List<ArithmeticTask> validation,
      Path warmDir, long budget, int every, Path out) throws IOException {
    Path dir = Files.createDirectories(out.resolve(arm));
    Path metrics = dir.resolve("metrics.jsonl");
    Files.deleteIfExists(metrics);
    try (TransformerPolicy p = policies.create(seed, lr)) {
      p.load(warmDir);
      Sampler s = sampler(seed, arm, pool, p, byId);
      try (s) {
        GrpoTrainer.Builder b = GrpoTrainer.builder(p, s, new ReversedAnswerReward()).batchSize(shape.batch).groupSize(shape.groupSize)
            .seed(seed).sampling(BenchmarkRecipe.ROLLOUT).metricsFile(metrics);
        if (kind(arm).dynamicFilter()) {
          b.dynamicFilter(2.0, 4);
        }
        long rampSteps = Math.round(lrWarmup * budget / (double) shape.rolloutsPerStep());
        return ArmRun.run(arm, dir, p, s, b.build(), budget, every, lr, rampSteps,
            (policy, last) -> evaluation.evaluate(policy, validation, last));
      }
    }
  }
}
