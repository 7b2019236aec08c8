package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeaturePredictorTest {

  /** A success rate that depends on the number of digits of the operands: learnable from text. */
  private static double successRate(int digits) {
    return 1 / (1 + Math.exp(2.0 * (digits - 4)));
  }

  private static double utility(double p) {
    return Math.sqrt(p * (1 - p));
  }

  private record Data(QuestionPool pool, double[] p) {}

  private static Data additions(int n, long seed) {
    Rng rng = new Rng(seed);
    List<Question> qs = new ArrayList<>();
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      int digits = 1 + rng.nextInt(8);
      long lo = (long) Math.pow(10, digits - 1);
      long a = lo + (long) (rng.nextDouble() * 9 * lo);
      long b = lo + (long) (rng.nextDouble() * 9 * lo);
      qs.add(new Question("q" + i, "Compute " + a + "+" + b + "."));
      p[i] = successRate(digits);
    }
    return new Data(QuestionPool.of(qs), p);
  }

  /** Groups of 8 Bernoulli(p) outcomes for questions 0..n-1. */
  private static TrainingExamples rollouts(double[] p, int n, Rng rng) {
    int[] idx = new int[n];
    double[] ph = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
      int k = 0;
      for (int j = 0; j < 8; j++) {
        k += rng.nextDouble() < p[i] ? 1 : 0;
      }
      ph[i] = k / 8.0;
      u[i] = utility(ph[i]);
      g[i] = 8;
    }
    return new TrainingExamples(idx, u, ph, g, n, n);
  }

  @Test
  void bothHeadsGeneraliseToQuestionsTheyHaveNeverSeen() {
    Data d = additions(4000, 11);
    double[] truth = new double[4000];
    for (int i = 0; i < 4000; i++) {
      truth[i] = utility(d.p[i]);
    }
    int[] test = new int[1000];
    for (int i = 0; i < 1000; i++) {
      test[i] = 3000 + i;
    }
    TrainingExamples noisy = rollouts(d.p, 3000, new Rng(5));
    double[] after = new double[2];
    for (TeacherTarget target : TeacherTarget.values()) {
      FeaturePredictor p = FeaturePredictor.builder().seed(3).target(target).build();
      double before = mae(p, d.pool, test, truth);
      p.train(d.pool, noisy, 10);
      after[target.ordinal()] = mae(p, d.pool, test, truth);
      // the utility ranges over [0.02, 0.5]; a constant predictor (best case) has MAE about 0.13
      assertTrue(after[target.ordinal()] < 0.09, target + ": MAE on unseen questions " + before + " -> " + after[target.ordinal()]);
    }
    // the utility of 8 outcomes is a biased, noisy label; their success rate is not biased
    double pHead = after[TeacherTarget.SUCCESS_RATE.ordinal()];
    double uHead = after[TeacherTarget.UTILITY.ordinal()];
    assertTrue(pHead < 0.05 && pHead < uHead, "success-rate head " + pHead + " vs utility head " + uHead);
  }

  @Test
  void theSuccessRateHeadRefusesExamplesWithoutOutcomesAndTheUtilityHeadTakesThem() {
    Data d = additions(100, 2);
    int[] idx = new int[100];
    double[] y = new double[100];
    for (int i = 0; i < 100; i++) {
      idx[i] = i;
      y[i] = utility(d.p[i]);
    }
    FeaturePredictor p = FeaturePredictor.builder().build();
    double[] before = new double[100];
    p.predict(d.pool, idx, 100, before);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.train(d.pool, idx, y, 100, 1));
    assertTrue(e.getMessage().contains("utilities only"), e.getMessage());
    double[] after = new double[100];
    p.predict(d.pool, idx, 100, after);
    assertTrue(Arrays.equals(before, after), "a refused update changes nothing");
    FeaturePredictor u = FeaturePredictor.builder().target(TeacherTarget.UTILITY).build();
    u.train(d.pool, idx, y, 100, 1);
    u.predict(d.pool, idx, 100, after);
    assertTrue(!Arrays.equals(before, after));
  }

  /**
   * A student who learns: every question's success rate rises over the window. The network fits the
   * window's average; the recent offset moves the prediction for a question never seen towards the
   * newest outcomes.
   */
  @Test
  void theRecentOffsetPredictsTheStudentAsItIsNow() {
    Data d = additions(5000, 11);
    Rng rng = new Rng(12);
    int n = 4096;
    int[] idx = new int[n];
    double[] ph = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
      double logit = Math.log(d.p()[i] / (1 - d.p()[i])) + 3.0 * i / n; // skill + 3 logits over the window
      double p = 1 / (1 + Math.exp(-logit));
      int k = 0;
      for (int j = 0; j < 8; j++) {
        k += rng.nextDouble() < p ? 1 : 0;
      }
      ph[i] = k / 8.0;
      u[i] = utility(ph[i]);
      g[i] = 8;
    }
    TrainingExamples ex = new TrainingExamples(idx, u, ph, g, n, n);
    FeaturePredictor now = FeaturePredictor.builder().seed(1).build();
    FeaturePredictor off = FeaturePredictor.builder().seed(1).recentHalfLife(0).build();
    now.train(d.pool(), ex, 3);
    off.train(d.pool(), ex, 3);
    // the utility of questions never seen, for the student at the end of the window
    int m = 5000 - n;
    int[] unseen = new int[m];
    double[] truth = new double[5000]; // by pool index
    for (int i = 0; i < m; i++) {
      unseen[i] = n + i;
      double logit = Math.log(d.p()[n + i] / (1 - d.p()[n + i])) + 3.0;
      truth[n + i] = utility(1 / (1 + Math.exp(-logit)));
    }
    double errNow = mae(now, d.pool(), unseen, truth);
    double errOff = mae(off, d.pool(), unseen, truth);
    assertTrue(errNow < 0.8 * errOff, "recent offset MAE " + errNow + " vs without " + errOff);
    assertThrows(IllegalArgumentException.class, () -> FeaturePredictor.builder().recentHalfLife(-1));
    assertThrows(IllegalArgumentException.class, () -> FeaturePredictor.builder().recentHalfLife(Double.POSITIVE_INFINITY));
  }

  /** 200 questions with the same text: only memory can tell them apart. */
  @Test
  void memoryTellsApartQuestionsWhoseTextIsTheSame() {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      qs.add(new Question("q" + i, "What is 17 + 25?"));
    }
    QuestionPool pool = QuestionPool.of(qs);
    // question 0 is always solved (p = 1, utility 0); the others half the time
    int n = 400;
    int[] idx = new int[n];
    double[] ph = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i % 4 == 0 ? 0 : i % 200;
      ph[i] = idx[i] == 0 ? 1.0 : 0.5;
      u[i] = utility(ph[i]);
      g[i] = 8;
    }
    TrainingExamples ex = new TrainingExamples(idx, u, ph, g, n, n);
    double[] with = new double[2];
    double[] without = new double[2];
    FeaturePredictor m = FeaturePredictor.builder().seed(1).build();
    FeaturePredictor f = FeaturePredictor.builder().seed(1).memory(false).build();
    m.train(pool, ex, 3);
    f.train(pool, ex, 3);
    m.predict(pool, new int[] {0, 7}, 2, with);
    f.predict(pool, new int[] {0, 7}, 2, without);
    assertEquals(without[0], without[1], 0.0, "same text, same features: without memory the predictions are equal");
    assertTrue(with[0] < with[1] - 0.1, "with memory the always-solved question looks less useful: " + Arrays.toString(with));
  }

  @Test
  void gradedRewardsWithoutSpreadLookUseless() {
    // "easy" texts: every rollout earns half credit (mean 0.5, no spread); "hard" texts: binary, p = 0.5
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      qs.add(new Question("q" + i, i % 2 == 0 ? "Name a colour of the sky at noon" : "Prove that 1234567 * 89 = " + i));
    }
    QuestionPool pool = QuestionPool.of(qs);
    int[] idx = new int[200];
    double[] ph = new double[200];
    double[] u = new double[200];
    int[] g = new int[200];
    for (int i = 0; i < 200; i++) {
      idx[i] = i;
      ph[i] = 0.5;
      u[i] = i % 2 == 0 ? 0.0 : 0.5;
      g[i] = 8;
    }
    FeaturePredictor p = FeaturePredictor.builder().seed(4).memory(false).build();
    p.train(pool, new TrainingExamples(idx, u, ph, g, 200, 200), 30);
    double[] out = new double[200];
    p.predict(pool, idx, 200, out);
    double flat = 0;
    double spread = 0;
    for (int i = 0; i < 200; i++) {
      if (i % 2 == 0) {
        flat += out[i] / 100;
      } else {
        spread += out[i] / 100;
      }
    }
    assertTrue(flat < spread - 0.1, "no-spread questions " + flat + " vs binary ones " + spread);
  }

  private static double mae(FeaturePredictor p, QuestionPool pool, int[] idx, double[] truth) {
    double[] out = new double[idx.length];
    p.predict(pool, idx, idx.length, out);
    double s = 0;
    for (int i = 0; i < idx.length; i++) {
      s += Math.abs(out[i] - truth[idx[i]]);
    }
    return s / idx.length;
  }

  @Test
  void theDefaultFeaturesReadAnyTextAndTheArithmeticOnesAreOptIn() {
    float[] a = new float[TextFeatures.DIM];
    float[] b = new float[TextFeatures.DIM];
    // same shape, different digits: one addition carries in both columns, the other in none
    TextFeatures.compute("Compute 58+67.", a);
    TextFeatures.compute("Compute 51+12.", b);
    assertTrue(Arrays.equals(a, b), "general features see the shape, not digit arithmetic: " + Arrays.toString(a) + " vs "
        + Arrays.toString(b));
    TextFeatures.compute("Compute 58+67.", FeatureSet.ARITHMETIC, a);
    TextFeatures.compute("Compute 51+12.", FeatureSet.ARITHMETIC, b);
    assertTrue(a[13] > b[13], "the arithmetic set counts carrying columns");
    // general structure: brackets and their nesting
    TextFeatures.compute("Evaluate ((3 + 4) * 2).", a);
    TextFeatures.compute("Evaluate 3 + 4 * 2.", b);
    assertTrue(a[9] > b[9] && a[10] > b[10], "brackets and nesting depth");
  }

  @Test
  void digitPairsLearnWhichColumnsMakeAnAdditionHarder() {
    // four-digit additions whose success rate falls with the number of carrying columns: the
    // dense features and words see the same shape for every question, only the digit pairs differ
    Rng rng = new Rng(8);
    int n = 6000;
    List<Question> qs = new ArrayList<>();
    double[] p = new double[n];
    double[] truth = new double[n];
    for (int i = 0; i < n; i++) {
      int a = 1000 + rng.nextInt(9000);
      int b = 1000 + rng.nextInt(9000);
      int carries = 0;
      for (int x = a, y = b, c = 0; x > 0; x /= 10, y /= 10) {
        c = x % 10 + y % 10 + c >= 10 ? 1 : 0;
        carries += c;
      }
      qs.add(new Question("q" + i, "Compute " + a + "+" + b + "."));
      p[i] = 1 / (1 + Math.exp(-(2.0 - 1.3 * carries)));
      truth[i] = utility(p[i]);
    }
    QuestionPool pool = QuestionPool.of(qs);
    int[] test = new int[1500];
    for (int i = 0; i < 1500; i++) {
      test[i] = 4500 + i;
    }
    TrainingExamples groups = rollouts(p, 4500, new Rng(6));
    FeaturePredictor pairs = FeaturePredictor.builder().seed(3).build();
    FeaturePredictor without = FeaturePredictor.builder().seed(3).digitPairs(false).build();
    for (int update = 0; update < 12; update++) { // as a sampler's updates do, on one window
      pairs.train(pool, groups, 3);
      without.train(pool, groups, 3);
    }
    double withPairs = mae(pairs, pool, test, truth);
    double noPairs = mae(without, pool, test, truth);
    assertTrue(withPairs < 0.8 * noPairs, "MAE on unseen additions: digit pairs " + withPairs + ", without " + noPairs);
  }

  @Test
  void aStateWithDigitPairsIsRefusedByATeacherWithoutThemNamingThem() throws Exception {
    Data d = additions(200, 5);
    FeaturePredictor with = FeaturePredictor.builder().seed(1).build();
    with.train(d.pool, rollouts(d.p, 200, new Rng(2)), 2);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    with.writeState(new java.io.DataOutputStream(bytes));
    FeaturePredictor without = FeaturePredictor.builder().seed(1).digitPairs(false).build();
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> without.readState(
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))));
    assertTrue(e.getMessage().contains("digit pairs"), e.getMessage());
  }

  @Test
  void aStateWithANegativeAdamStepIsRefusedNamingItAndChangesNothing() throws Exception {
    Data d = additions(200, 5);
    FeaturePredictor a = FeaturePredictor.builder().seed(1).build();
    a.train(d.pool, rollouts(d.p, 200, new Rng(2)), 2);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    a.writeState(new java.io.DataOutputStream(bytes));
    byte[] state = bytes.toByteArray();
    // the header up to Adam's step count: version, hidden, target, features, sparse, graded, random stream
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(state);
    java.io.DataInputStream data = new java.io.DataInputStream(in);
    data.readInt();
    data.readInt();
    data.readUTF();
    data.readUTF();
    data.readBoolean();
    data.readBoolean();
    data.readLong();
    int at = state.length - in.available();
    assertTrue(data.readLong() > 0, "Adam's step count after a train");
    java.nio.ByteBuffer.wrap(state).putLong(at, -3);
    FeaturePredictor b = FeaturePredictor.builder().seed(9).build();
    int[] idx = {0, 1, 2, 3};
    double[] before = new double[4];
    b.predict(d.pool, idx, 4, before);
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> b.readState(new java.io.DataInputStream(new java.io.ByteArrayInputStream(state))));
    assertTrue(e.getMessage().contains("step"), e.getMessage());
    double[] after = new double[4];
    b.predict(d.pool, idx, 4, after);
    assertTrue(Arrays.equals(before, after), "a refused state must change nothing");
  }

  /**
   * A version-4 state written by the code before digit pairs (main at fed080c; the fixture's
   * generator: 40 questions "Compute a + b." / "Compute a - b.", a = 100 + 37i mod 900, b = 10 + 53i
   * mod 90, success rate ((7i mod 9) + 0.5) / 10 in groups of 8, the default teacher with seed 1,
   * three trains of 3 epochs, then the state, the predictions, one more train and the predictions).
   * The current code predicts exactly what the old code predicted, with digit pairs (their weights
   * start at 0) or without; and without them the next train is the old code's, bit for bit.
   */
  @Test
  void aVersion4StateFromBeforeDigitPairsPredictsWhatTheOldCodePredicted() throws Exception {
    int n = 40;
    List<Question> qs = new ArrayList<>();
    int[] q = new int[n];
    double[] y = new double[n];
    double[] p = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      qs.add(new Question("q" + i, "Compute " + (100 + (i * 37) % 900) + (i % 2 == 0 ? " + " : " - ") + (10 + (i * 53) % 90)
          + "."));
      q[i] = i;
      p[i] = ((i * 7) % 9 + 0.5) / 10;
      y[i] = Math.sqrt(p[i] * (1 - p[i]));
      g[i] = 8;
    }
    QuestionPool pool = QuestionPool.of(qs);
    TrainingExamples ex = new TrainingExamples(q, y, p, g, n, n);
    byte[] state;
    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
        FeaturePredictorTest.class.getResourceAsStream("features-mlp-v4.bin.gz"))) {
      state = in.readAllBytes();
    }
    assertEquals(4, java.nio.ByteBuffer.wrap(state).getInt(), "the fixture is a version-4 state");
    String[] lines;
    try (java.io.InputStream in = FeaturePredictorTest.class.getResourceAsStream("features-mlp-v4.predictions.txt")) {
      lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n");
    }
    assertEquals(n, lines.length);
    for (boolean digitPairs : new boolean[] {true, false}) {
      FeaturePredictor f = FeaturePredictor.builder().seed(7).digitPairs(digitPairs).build();
      f.readState(new java.io.DataInputStream(new java.io.ByteArrayInputStream(state)));
      double[] now = new double[n];
      f.predict(pool, q, n, now);
      for (int i = 0; i < n; i++) {
        assertEquals(Double.parseDouble(lines[i].split(" ")[0]), now[i], 0.0, "digit pairs " + digitPairs + ", question " + i);
      }
      if (!digitPairs) {
        f.train(pool, ex, 3);
        f.predict(pool, q, n, now);
        for (int i = 0; i < n; i++) {
          assertEquals(Double.parseDouble(lines[i].split(" ")[1]), now[i], 0.0, "after a train, question " + i);
        }
      }
    }
  }

  /** Questions "Compute a+b. Mind the w." whose success rate is set by a rare word w's hidden weight. */
  private static Data rareWords(int n, int words, long seed) {
    Rng rng = new Rng(seed);
    String[] vocab = new String[words];
    double[] weight = new double[words];
    for (int k = 0; k < words; k++) {
      vocab[k] = "w" + Integer.toString(k * 7919 + 1000, 36).replaceAll("[0-9]", "x") + "q" + (char) ('a' + k % 26)
          + (char) ('a' + k / 26 % 26);
      weight[k] = 1.5 * rng.nextGaussian();
    }
    List<Question> qs = new ArrayList<>();
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      int k = rng.nextInt(words);
      qs.add(new Question("q" + i, "Compute " + (10 + rng.nextInt(90)) + "+" + (10 + rng.nextInt(90)) + ". Mind the " + vocab[k]
          + "."));
      p[i] = 1 / (1 + Math.exp(-weight[k]));
    }
    return new Data(QuestionPool.of(qs), p);
  }

  @Test
  void wordsWithHiddenWeightsAreLearnedForQuestionsNeverSeen() {
    Data d = rareWords(6000, 300, 21);
    double[] truth = new double[6000];
    for (int i = 0; i < 6000; i++) {
      truth[i] = utility(d.p[i]);
    }
    int[] test = new int[1500];
    for (int i = 0; i < 1500; i++) {
      test[i] = 4500 + i;
    }
    TrainingExamples groups = rollouts(d.p, 4500, new Rng(6));
    FeaturePredictor sparse = FeaturePredictor.builder().seed(3).build();
    FeaturePredictor dense = FeaturePredictor.builder().seed(3).sparseText(false).build();
    sparse.train(d.pool, groups, 5);
    dense.train(d.pool, groups, 5);
    double withWords = mae(sparse, d.pool, test, truth);
    double without = mae(dense, d.pool, test, truth);
    assertTrue(withWords < 0.055 && withWords < 0.75 * without, "MAE on unseen questions: sparse words " + withWords
        + ", dense features only " + without);
  }

  @Test
  void questionsStatingTheSameNumbersShareMemoryAcrossWordings() {
    Rng rng = new Rng(4);
    List<Question> qs = new ArrayList<>();
    int bases = 200;
    double[] p = new double[2 * bases];
    for (int b = 0; b < bases; b++) {
      long x = 100 + rng.nextInt(900);
      long y = 100 + rng.nextInt(900);
      qs.add(new Question("a" + b, "What is " + x + " + " + y + "?"));
      qs.add(new Question("b" + b, "For the drill, compute " + x + " + " + y + " exactly."));
      // the success rate is hidden: the text says nothing about it
      p[2 * b] = p[2 * b + 1] = rng.nextDouble() < 0.5 ? 0.97 : 0.03;
    }
    QuestionPool pool = QuestionPool.of(qs);
    // three groups of the first wording of each question, none of the second
    int n = 3 * bases;
    int[] idx = new int[n];
    double[] ph = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    Rng draws = new Rng(9);
    for (int i = 0; i < n; i++) {
      idx[i] = 2 * (i % bases);
      int k = 0;
      for (int j = 0; j < 8; j++) {
        k += draws.nextDouble() < p[idx[i]] ? 1 : 0;
      }
      ph[i] = k / 8.0;
      u[i] = utility(ph[i]);
      g[i] = 8;
    }
    TrainingExamples ex = new TrainingExamples(idx, u, ph, g, n, n);
    int[] unseen = new int[bases];
    double[] truth = new double[2 * bases];
    for (int b = 0; b < bases; b++) {
      unseen[b] = 2 * b + 1;
      truth[2 * b] = truth[2 * b + 1] = utility(p[2 * b]);
    }
    FeaturePredictor shared = FeaturePredictor.builder().seed(1).build();
    FeaturePredictor own = FeaturePredictor.builder().seed(1).sparseText(false).build();
    shared.train(pool, ex, 3);
    own.train(pool, ex, 3);
    double withClusters = mae(shared, pool, unseen, truth);
    double perQuestion = mae(own, pool, unseen, truth);
    assertTrue(withClusters < 0.12 && withClusters < 0.5 * perQuestion, "MAE on the unseen wordings: clusters " + withClusters
        + ", per-question memory " + perQuestion);
  }
}
