package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A family of simulated worlds that differ in where a question's difficulty hides in its text and
 * in how the student changes, to judge a teacher on more than the arithmetic scenario it was first
 * tuned on. A question reads like {@code "In the velmar unit, what is (417 + 86) * 3? Mind the
 * quorn."}: a topic word, one of several sentence templates, an arithmetic expression whose numbers
 * have a magnitude (the level) and whose shape has a length and nesting, and sometimes rare words.
 * Its hidden difficulty is a weighted sum of the topic's difficulty, the template's, the level's,
 * the shape's, the rare words' hidden weights and an interaction (some topics hard only at high
 * levels), scaled to a standard deviation of 2 over the pool, plus per-question noise the text does
 * not show. Paraphrase worlds write each underlying question several ways with one difficulty.
 *
 * <p>The student has a general skill and one skill per topic: p = sigmoid(general + topic skill -
 * difficulty). A step moves the general skill with the mean reward spread of all groups and each
 * topic's skill with the spread of that topic's groups, at a rate per topic; topic skills may decay
 * back towards their start (forgetting), and a world may shift them at one step (a step change).
 *
 * <p>Built worlds are deterministic in (spec, seed, steps).
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class Worlds {
  private static final double SPREAD = 2.0;
  private static final double INITIAL_SKILL = -1.5;
  private static final double LEARNING_RATE = 0.02;
  private static final double SHARED = 0.3;
  private static final int TEMPLATES = 8;
  private static final int RARE_WORDS = 400;
  private static final int MAX_LEVEL = 6;

  private Worlds() {}

  /**
   * What a world is. Difficulty weights are relative: the structural part is rescaled to a standard
   * deviation of 2 over the pool.
   *
   * @param name short name
   * @param description where difficulty hides and how the student changes
   * @param questions training questions, N
   * @param heldOut true if the world was left out when the defaults were chosen
   * @param topics topic words
   * @param topicWeight difficulty spread of topics
   * @param templateWeight difficulty spread of sentence templates
   * @param levelWeight difficulty per digit of the largest number
   * @param shapeWeight difficulty per extra term or nesting level of the expression
   * @param rareWeight standard deviation of a rare word's hidden weight
   * @param rareRate mean rare words per question
   * @param interaction extra difficulty per level for a third of the topics
   * @param paraphrases surface forms of each underlying question (1: none)
   * @param noise standard deviation of the hidden per-question difficulty, in final units
   * @param rateSpread log-normal spread of the topics' learning rates (0: equal)
   * @param forgetting fraction of a topic skill's gain lost per step
   * @param stepAt fraction of the run at which topic skills shift (0: never)
   * @param stepSize size of that shift (half the topics up, half down)
   */
  public record Spec(String name, String description, int questions, boolean heldOut, int topics, double topicWeight,
      double templateWeight, double levelWeight, double shapeWeight, double rareWeight, double rareRate, double interaction,
      int paraphrases, double noise, double rateSpread, double forgetting, double stepAt, double stepSize) {
    /** Validates. */
    public Spec {
      Objects.requireNonNull(name, "name");
      if (questions < 100 || topics < 1 || paraphrases < 1 || !(noise >= 0) || !(forgetting >= 0 && forgetting < 1)
          || !(stepAt >= 0 && stepAt < 1) || !(rareRate >= 0)) {
        throw new IllegalArgumentException("world " + name + ": need questions >= 100, topics >= 1, paraphrases >= 1, noise >= 0, "
            + "forgetting in [0, 1), stepAt in [0, 1), rareRate >= 0");
      }
    }

    /** This world with another pool size. */
    public Spec withQuestions(int n) {
      return new Spec(name, description, n, heldOut, topics, topicWeight, templateWeight, levelWeight, shapeWeight, rareWeight,
          rareRate, interaction, paraphrases, noise, rateSpread, forgetting, stepAt, stepSize);
    }
  }

  /**
   * The family: twelve worlds, three of them ({@code interaction}, {@code step-change},
   * {@code large-pool}) held out of tuning.
   */
  public static List<Spec> family() {
    return List.of(
        new Spec("topic-words", "difficulty mostly in the topic word; topics learned at different rates", 20_000, false,
            12, 1.0, 0, 0.3, 0, 0, 0.3, 0, 1, 0.5, 0.5, 0, 0, 0),
        new Spec("template-words", "difficulty in the sentence template's wording", 20_000, false,
            8, 0.3, 1.0, 0.3, 0, 0, 0.3, 0, 1, 0.5, 0, 0, 0, 0),
        new Spec("magnitudes", "difficulty in the numbers' magnitudes", 50_000, false,
            8, 0.1, 0, 1.0, 0.1, 0, 0.3, 0, 1, 0.5, 0, 0, 0, 0),
        new Spec("shape", "difficulty in the expression's length and nesting", 20_000, false,
            8, 0.1, 0, 0.2, 1.0, 0, 0.3, 0, 1, 0.5, 0, 0, 0, 0),
        new Spec("rare-tokens", "difficulty in rare words with hidden weights", 20_000, false,
            8, 0.3, 0, 0.2, 0, 1.5, 1.2, 0, 1, 0.5, 0, 0, 0, 0),
        new Spec("paraphrases", "eight paraphrases of each question share one difficulty, much of it hidden", 40_000, false,
            8, 0.3, 0, 0.5, 0.3, 0, 0.3, 0, 8, 1.0, 0, 0, 0, 0),
        new Spec("interaction", "a third of the topics are hard only at high levels", 20_000, true,
            9, 0.2, 0, 0.5, 0.2, 0, 0.3, 1.0, 1, 0.5, 0, 0, 0, 0),
        new Spec("forgetting", "topic skills decay unless practised; topics learned at different rates", 20_000, false,
            8, 0.7, 0, 0.5, 0.2, 0, 0.3, 0, 1, 0.5, 0.8, 0.01, 0, 0),
        new Spec("step-change", "halfway through, half the topics' skills jump up and half drop", 20_000, true,
            8, 0.7, 0, 0.5, 0.2, 0, 0.3, 0, 1, 0.5, 0.3, 0, 0.5, 1.5),
        new Spec("noisy", "most of the difficulty hidden (noise 1.5), a small pool", 10_000, false,
            8, 0.5, 0.2, 0.5, 0.2, 0.5, 0.3, 0, 1, 1.5, 0.3, 0, 0, 0),
        new Spec("mixed", "every source a little, 100,000 questions", 100_000, false,
            10, 0.5, 0.3, 0.5, 0.3, 0.8, 0.5, 0.3, 2, 0.7, 0.4, 0.003, 0, 0),
        new Spec("large-pool", "every source a little, 1,000,000 questions", 1_000_000, true,
            10, 0.6, 0.2, 0.4, 0.4, 0.8, 0.5, 0.3, 1, 0.6, 0.4, 0, 0, 0));
  }

  /** The world of the family named {@code name}. */
  public static Spec named(String name) {
    for (Spec s : family()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown world '" + name + "'; known: "
        + family().stream().map(Spec::name).toList());
  }

  private static final String[] SYLLABLES = {"ka", "lo", "mer", "vin", "tas", "qu", "orn", "el", "dra", "pi", "sul", "ne",
      "bro", "tic", "wa", "zen", "fal", "gor", "hy", "ix", "jun", "mo", "rad", "sey"};

  private static String word(Rng rng, int syllables) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < syllables; i++) {
      sb.append(SYLLABLES[rng.nextInt(SYLLABLES.length)]);
    }
    return sb.toString();
  }

  private static final String[][] TEMPLATE_PARTS = {
      {"In the %s unit, what is %s?", "Compute %2$s for the %1$s drill.", "%s exercise: evaluate %s.",
          "A %s question asks for the value of %s.", "Find %2$s (%1$s).", "Using %s rules, simplify %s.",
          "Work out %2$s as a %1$s problem.", "For %s practice, give %s."}};

  /** One underlying question: its parts and the structural difficulty they add up to. */
  private record Item(int topic, int template, String expr, int level, int shape, int[] rare) {}

  /** Builds a world for a run of {@code steps} steps. */
  public static World build(Spec spec, long seed, int steps) {
    Objects.requireNonNull(spec, "spec");
    // a hashed start: SplitMix64 states seed * golden would be the same stream shifted by one draw
    Rng rng = new Rng(new Rng(seed).nextLong() ^ ((long) spec.name().hashCode() << 32));
    String[] topicWords = distinctWords(rng, spec.topics(), 3);
    String[] rareWords = distinctWords(rng, RARE_WORDS, 2);
    double[] topicD = gaussians(rng, spec.topics(), spec.topicWeight());
    double[] templateD = gaussians(rng, TEMPLATES, spec.templateWeight());
    double[] rareD = gaussians(rng, RARE_WORDS, spec.rareWeight());
    boolean[] hardAtHigh = new boolean[spec.topics()];
    for (int t = 0; t < spec.topics(); t++) {
      hardAtHigh[t] = t % 3 == 0;
    }
    int validationCount = 2_000;
    int n = spec.questions();
    int total = n + validationCount;
    // underlying questions: training ones first (each written `paraphrases` ways), then validation ones
    int bases = (n + spec.paraphrases() - 1) / spec.paraphrases();
    int[] topicOf = new int[total];
    double[] structural = new double[total];
    double[] noise = new double[total];
    String[] text = new String[total];
    Item[] items = new Item[bases + validationCount];
    double[] itemNoise = new double[items.length];
    for (int b = 0; b < items.length; b++) {
      items[b] = item(rng, spec);
      itemNoise[b] = rng.nextGaussian();
    }
    for (int i = 0; i < total; i++) {
      int b = i < n ? i / spec.paraphrases() : bases + (i - n);
      Item it = items[b];
      int template = spec.paraphrases() > 1 && i < n ? (it.template + i % spec.paraphrases()) % TEMPLATES : it.template;
      topicOf[i] = it.topic;
      double d = topicD[it.topic] + templateD[spec.paraphrases() > 1 ? it.template : template] + spec.levelWeight() * it.level
          + spec.shapeWeight() * it.shape + (hardAtHigh[it.topic] ? spec.interaction() * it.level : 0);
      StringBuilder sb = new StringBuilder(String.format(TEMPLATE_PARTS[0][template], topicWords[it.topic], it.expr));
      for (int r : it.rare) {
        d += rareD[r];
        sb.append(" Mind the ").append(rareWords[r]).append('.');
      }
      structural[i] = d;
      noise[i] = itemNoise[b];
      text[i] = sb.toString();
    }
    // scale the structural part to the family's spread over the training pool, centre it
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += structural[i];
    }
    mean /= n;
    double var = 0;
    for (int i = 0; i < n; i++) {
      var += (structural[i] - mean) * (structural[i] - mean);
    }
    double scale = var > 0 ? SPREAD / Math.sqrt(var / n) : 0;
    double[] difficulty = new double[total];
    for (int i = 0; i < total; i++) {
      difficulty[i] = (structural[i] - mean) * scale + spec.noise() * noise[i];
    }
    QuestionPool.Builder pb = QuestionPool.builder();
    String prefix = spec.name() + "-";
    for (int i = 0; i < n; i++) {
      pb.add(new Question(prefix + i, text[i]));
    }
    double[] rates = new double[spec.topics()];
    for (int t = 0; t < rates.length; t++) {
      rates[t] = Math.exp(spec.rateSpread() * rng.nextGaussian());
    }
    int[] validation = new int[validationCount];
    for (int i = 0; i < validationCount; i++) {
      validation[i] = n + i;
    }
    int stepAt = spec.stepAt() > 0 ? Math.max(1, (int) Math.round(spec.stepAt() * steps)) : -1;
    WorldStudent student = new WorldStudent(difficulty, topicOf, spec.topics(), rates, spec.forgetting(), stepAt, spec.stepSize());
    return new World(spec, pb.build(), student, validation);
  }

  private static Item item(Rng rng, Spec spec) {
    int topic = rng.nextInt(spec.topics());
    int template = rng.nextInt(TEMPLATES);
    int level = 1 + rng.nextInt(MAX_LEVEL);
    int terms = 2 + rng.nextInt(4);
    boolean nest = terms >= 3 && rng.nextInt(2) == 0;
    StringBuilder e = new StringBuilder();
    int biggest = rng.nextInt(terms);
    for (int k = 0; k < terms; k++) {
      if (k > 0) {
        int op = rng.nextInt(3);
        e.append(op == 0 ? " + " : op == 1 ? " - " : " * ");
      }
      if (nest && k == 0) {
        e.append('(');
      }
      int digits = k == biggest ? level : 1 + rng.nextInt(level);
      long lo = digits == 1 ? 1 : (long) Math.pow(10, digits - 1);
      long v = lo + (long) (rng.nextDouble() * (lo * 9));
      e.append(v);
      if (nest && k == 1) {
        e.append(')');
      }
    }
    int shape = terms - 2 + (nest ? 1 : 0);
    int rareCount = 0;
    double r = spec.rareRate();
    while (r > 0 && rareCount < 4) {
      if (rng.nextDouble() < Math.min(1, r) * 0.67) {
        rareCount++;
      }
      r -= 1;
    }
    int[] rare = new int[rareCount];
    for (int k = 0; k < rareCount; k++) {
      rare[k] = rng.nextInt(RARE_WORDS);
    }
    return new Item(topic, template, e.toString(), level, shape, rare);
  }

  private static String[] distinctWords(Rng rng, int count, int syllables) {
    java.util.Set<String> seen = new java.util.LinkedHashSet<>();
    while (seen.size() < count) {
      seen.add(word(rng, syllables + rng.nextInt(2)));
    }
    return seen.toArray(new String[0]);
  }

  private static double[] gaussians(Rng rng, int n, double sd) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = sd * rng.nextGaussian();
    }
    return out;
  }

  /** The family's student: a general skill plus one skill per topic. */
  static final class WorldStudent implements Student {
    private final double[] difficulty;
    private final int[] topicOf;
    private final double[] rates;
    private final double forgetting;
    private final int stepAt;
    private final double stepSize;
    private final double[] topicSkill;
    private final double[] topicStart;
    private final double[] topicSum;
    private double general = INITIAL_SKILL;
    private int steps;

    WorldStudent(double[] difficulty, int[] topicOf, int topics, double[] rates, double forgetting, int stepAt, double stepSize) {
      this.difficulty = difficulty;
      this.topicOf = topicOf;
      this.rates = rates;
      this.forgetting = forgetting;
      this.stepAt = stepAt;
      this.stepSize = stepSize;
      this.topicSkill = new double[topics];
      this.topicStart = new double[topics];
      this.topicSum = new double[topics];
    }

    /** The topic of question {@code index}. */
    int topic(int index) {
      return topicOf[index];
    }

    @Override
    public double successProbability(int index) {
      return 1 / (1 + Math.exp(-(general + topicSkill[topicOf[index]] - difficulty[index])));
    }

    @Override
    public void train(int[] indices, double[] groupStds) {
      if (groupStds.length == 0) {
        return;
      }
      java.util.Arrays.fill(topicSum, 0);
      double sum = 0;
      for (int i = 0; i < groupStds.length; i++) {
        sum += groupStds[i];
        topicSum[topicOf[indices[i]]] += groupStds[i];
      }
      int t = topicSkill.length;
      general += LEARNING_RATE * SHARED * sum / groupStds.length;
      for (int k = 0; k < t; k++) {
        // scaled so that under uniform picks a topic's skill grows like the general one would
        topicSkill[k] += LEARNING_RATE * (1 - SHARED) * rates[k] * t * topicSum[k] / groupStds.length;
        topicSkill[k] -= forgetting * (topicSkill[k] - topicStart[k]);
      }
      steps++;
      if (steps == stepAt) {
        for (int k = 0; k < t; k++) {
          topicSkill[k] += k % 2 == 0 ? stepSize : -stepSize;
        }
      }
    }
  }
}
