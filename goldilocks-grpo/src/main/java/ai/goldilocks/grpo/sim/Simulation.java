package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.objective.RewardStats;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.BlendPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.BetaThompsonSampler;
import ai.goldilocks.core.sampler.DynamicFilter;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs samplers on a {@link SimulatedStudent} over synthetic arithmetic tasks at an equal rollout
 * budget, the way a cache simulator replays a trace against eviction policies.
 *
 * <p>Known sampler names: {@code goldilocks} (feature MLP teacher), {@code goldilocks-blend}
 * (feature MLP blended with a per-question tracker), {@code uniform}, {@code dynamic-filter}
 * (DAPO over uniform), {@code beta-thompson} (MoPPS), {@code oracle}, {@code text-oracle} (knows the
 * difficulty the text shows and the student's skill, not the hidden noise: the ceiling of
 * text-based teachers; epsilon 0.1 like the learned teachers). More can be registered with
 * {@link #register}. Runs are deterministic: teachers update synchronously.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class Simulation {
  private static final Logger LOG = LoggerFactory.getLogger(Simulation.class);

  /**
   * Everything a sampler factory may use.
   *
   * @param structuralDifficulty a question's difficulty as its text shows it (without the hidden
   *     noise), by pool index
   */
  public record Context(QuestionPool pool, Student student, SimulationConfig config, long seed,
      java.util.function.IntToDoubleFunction structuralDifficulty) {}

  /**
   * How a registered arm runs: the sampler it builds for a run and, optionally, DAPO dynamic
   * filtering over it (groups whose rewards are all equal are dropped and refilled). An arm says
   * what it is; the simulation does not recognise arms by name.
   *
   * @param sampler builds the arm's sampler for one run
   * @param filterOverSample questions requested per missing group when filtering (0: no filter)
   * @param filterMaxRounds refill rounds per step when filtering
   */
  public record Arm(Function<Context, Sampler> sampler, double filterOverSample, int filterMaxRounds) {
    /** Validates. */
    public Arm {
      Objects.requireNonNull(sampler, "sampler");
      if (filterOverSample != 0 && (!(filterOverSample >= 1) || filterMaxRounds < 1)) {
        throw new IllegalArgumentException("a dynamic filter needs overSample >= 1 and maxRounds >= 1, got " + filterOverSample
            + ", " + filterMaxRounds);
      }
    }

    /** An arm that uses its sampler's picks as they are. */
    public static Arm of(Function<Context, Sampler> sampler) {
      return new Arm(sampler, 0, 0);
    }

    /** This arm with DAPO dynamic filtering over its sampler. */
    public Arm withDynamicFilter(double overSample, int maxRounds) {
      return new Arm(sampler, overSample, maxRounds);
    }

    boolean filtered() {
      return filterOverSample > 0;
    }
  }

  private final SimulationConfig config;
  private final java.util.Map<String, Arm> factories = new java.util.LinkedHashMap<>();

  /** A simulation with the built-in samplers. */
  public Simulation(SimulationConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    register("goldilocks", c -> goldilocks(c, FeaturePredictor.builder().seed(c.seed()).build(), 0.1));
    register("goldilocks-blend", c -> goldilocks(c, new BlendPredictor(FeaturePredictor.builder().seed(c.seed()).build()), 0.1));
    register("uniform", c -> UniformSampler.builder(c.pool()).seed(c.seed()).build());
    register("dynamic-filter", Arm.of(c -> UniformSampler.builder(c.pool()).seed(c.seed()).build()).withDynamicFilter(2.0, 8));
    register("beta-thompson", c -> BetaThompsonSampler.builder(c.pool()).candidates(c.config().candidates()).seed(c.seed()).build());
    register("oracle", c -> goldilocks(c, new OraclePredictor(c.student()), 0.0));
    register("text-oracle", c -> {
      if (!(c.student() instanceof SimulatedStudent s) || c.structuralDifficulty() == null) {
        throw new IllegalArgumentException("text-oracle knows the arithmetic scenario's structural difficulty only; it has no "
            + "counterpart in the world family");
      }
      return goldilocks(c, new TextOraclePredictor(s, c.structuralDifficulty(), c.config().difficultyNoise(), c.config().slope()), 0.1);
    });
  }

  /** A Goldilocks sampler with the given teacher, synchronous updates, the config's K. */
  public static GoldilocksSampler goldilocks(Context c, UtilityPredictor predictor, double epsilon) {
    return GoldilocksSampler.builder(c.pool()).predictor(predictor).candidates(c.config().candidates()).epsilon(epsilon)
        .seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  /** Adds or replaces a sampler under {@code name}, used as it picks. */
  public Simulation register(String name, Function<Context, Sampler> factory) {
    return register(name, Arm.of(factory));
  }

  /** Adds or replaces an arm under {@code name}. */
  public Simulation register(String name, Arm arm) {
    factories.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(arm, "arm"));
    return this;
  }

  /** Names of the registered samplers. */
  public List<String> samplers() {
    return List.copyOf(factories.keySet());
  }

  /** The scenario of one seed: tasks, pool, hidden difficulties. */
  private record Scenario(QuestionPool pool, double[] difficulty, double[] structural, int[] validation) {}

  private Scenario scenario(long seed) {
    int n = config.questions();
    int v = config.validationQuestions();
    List<ArithmeticTask> tasks = ArithmeticTasks.generate(n + v, config.maxDigits(), seed * 31 + 7, "t");
    QuestionPool.Builder b = QuestionPool.builder();
    double[] difficulty = new double[n + v];
    double[] structural = new double[n + v];
    Rng noise = new Rng(seed ^ 0x6A09E667F3BCC909L);
    for (int i = 0; i < n + v; i++) {
      ArithmeticTask t = tasks.get(i);
      if (i < n) {
        b.add(t.toQuestion());
      }
      structural[i] = t.structuralDifficulty();
      difficulty[i] = structural[i] + config.difficultyNoise() * noise.nextGaussian();
    }
    int[] validation = new int[v];
    for (int i = 0; i < v; i++) {
      validation[i] = n + i;
    }
    return new Scenario(b.build(), difficulty, structural, validation);
  }

  /** Runs one sampler for one seed on the arithmetic scenario of {@link SimulationConfig}. */
  public SimulationResult run(String samplerName, long seed) {
    Arm arm = arm(samplerName);
    Scenario sc = scenario(seed);
    SimulatedStudent student = new SimulatedStudent(sc.difficulty, config.initialSkill(), config.slope(), config.learningRate());
    return run(samplerName, arm, sc.pool, student, sc.validation, i -> sc.structural[i], seed);
  }

  /**
   * Runs one sampler for one seed on a world of the family ({@link Worlds}); the world's pool and
   * student replace the arithmetic scenario, the budget, B, G and K are this simulation's.
   */
  public SimulationResult run(String samplerName, Worlds.Spec world, long seed) {
    Arm arm = arm(samplerName);
    World w = Worlds.build(world, seed, config.steps());
    return run(samplerName, arm, w.pool(), w.student(), w.validation(), null, seed);
  }

  private Arm arm(String samplerName) {
    Arm arm = factories.get(samplerName);
    if (arm == null) {
      throw new IllegalArgumentException("unknown sampler '" + samplerName + "'; known: " + factories.keySet());
    }
    return arm;
  }

  private SimulationResult run(String samplerName, Arm arm, QuestionPool pool, Student student, int[] validation,
      java.util.function.IntToDoubleFunction structural, long seed) {
    double initialAccuracy = student.expectedAccuracy(validation);
    long start = System.nanoTime();
    Rng rollouts = new Rng(seed * 1_000_003L + 17);
    Rng oracleDraws = new Rng(seed * 7_919L + 3);
    int b = config.batchSize();
    int g = config.groupSize();
    int k = config.candidates();
    long budget = config.rolloutBudget();
    long spent = 0;
    long updates = 0;
    long groups = 0;
    long zeroGroups = 0;
    double pickedUtility = 0;
    double oracleUtility = 0;
    double maeSum = 0;
    int maeCount = 0;
    long teacherUpdates = 0;
    try (Sampler sampler = arm.sampler().apply(new Context(pool, student, config, seed, structural))) {
      DynamicFilter filter = arm.filtered() ? DynamicFilter.of(sampler, arm.filterOverSample(), arm.filterMaxRounds())
          : DynamicFilter.passThrough(sampler);
      while (spent < budget) {
        DynamicFilter.Fill<Trained> fill = filter.start(b, g, updates);
        for (List<Selection> round = fill.nextRound(); !round.isEmpty(); round = fill.nextRound()) {
          for (Selection s : round) {
            // utilities are measured before this step's update
            pickedUtility += student.utility(s.poolIndex());
            oracleUtility += bestOfK(student, pool.size(), k, oracleDraws);
            double[] r = student.rollout(s.poolIndex(), g, rollouts);
            fill.offer(s, r, new Trained(s.poolIndex(), RewardStats.std(r)));
          }
        }
        DynamicFilter.Batch<Trained> batch = fill.batch();
        spent += batch.rolloutsSpent();
        groups += batch.groupsRolledOut();
        zeroGroups += batch.zeroVarianceGroups();
        int[] trained = new int[batch.groups().size()];
        double[] stds = new double[trained.length];
        for (int i = 0; i < trained.length; i++) {
          trained[i] = batch.groups().get(i).poolIndex();
          stds[i] = batch.groups().get(i).rewardStd();
        }
        student.train(trained, stds);
        updates++;
      }
      if (sampler instanceof GoldilocksSampler gs) {
        gs.awaitUpdates();
        teacherUpdates = gs.metrics().teacherUpdates();
      }
      if (sampler instanceof GoldilocksSampler gs && !(gs.predictor() instanceof OraclePredictor)) {
        for (double[] row : gs.maeHistory()) {
          maeSum += row[1];
          maeCount++;
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    SimulationResult r = new SimulationResult(samplerName, seed, pickedUtility / oracleUtility, (double) zeroGroups / groups,
        student.expectedAccuracy(validation), initialAccuracy, spent, updates, maeCount == 0 ? Double.NaN : maeSum / maeCount,
        seconds, teacherUpdates);
    LOG.info("{} seed {}: ratio {} zeroVar {} acc {} -> {} ({} rollouts, {} updates, {} s)", samplerName, seed,
        fmt(r.oracleUtilityRatio()), fmt(r.zeroVarianceFraction()), fmt(initialAccuracy), fmt(r.finalAccuracy()), spent, updates,
        fmt(seconds));
    return r;
  }

  /** A group the student trains on: the question and its rewards' standard deviation. */
  private record Trained(int poolIndex, double rewardStd) {}

  private static String fmt(double v) {
    return String.format("%.3f", v);
  }

  private static double bestOfK(Student student, int n, int k, Rng rng) {
    double best = 0;
    for (int j = 0; j < k; j++) {
      best = Math.max(best, student.utility(rng.nextInt(n)));
    }
    return best;
  }
}
