package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransformerTeacherTest {
  static final CharTokenizer TOK = CharTokenizer.arithmetic();
  static final TransformerConfig ENCODER = new TransformerConfig(TOK.vocabSize(), 32, 1, 4, 64, 24);

  /** Utility falls with operand length: a known function of the text. */
  static double utility(int digits) {
    double p = 1 / (1 + Math.exp(1.5 * (digits - 3.5)));
    return Math.sqrt(p * (1 - p));
  }

  @Test
  void learnsAKnownUtilityOfTheTextAndGeneralisesToUnseenQuestions() {
    Rng rng = new Rng(3);
    List<Question> qs = new ArrayList<>();
    double[] truth = new double[800];
    for (int i = 0; i < 800; i++) {
      int digits = 1 + rng.nextInt(7);
      long lo = (long) Math.pow(10, digits - 1);
      qs.add(new Question("q" + i, (lo + (long) (rng.nextDouble() * 9 * lo)) + "+" + (lo + (long) (rng.nextDouble() * 9 * lo)) + "="));
      truth[i] = utility(digits);
    }
    QuestionPool pool = QuestionPool.of(qs);
    try (TransformerTeacher t = TransformerTeacher.builder(ENCODER, TOK).seed(1).learningRate(3e-3).build()) {
      int[] train = new int[600];
      double[] y = new double[600];
      for (int i = 0; i < 600; i++) {
        train[i] = i;
        y[i] = truth[i];
      }
      int[] test = new int[200];
      for (int i = 0; i < 200; i++) {
        test[i] = 600 + i;
      }
      double before = mae(t, pool, test, truth);
      t.train(pool, train, y, 600, 8);
      double after = mae(t, pool, test, truth);
      // utilities span [0.03, 0.5]; the best constant predictor has an MAE of about 0.15
      assertTrue(after < 0.06, "MAE on unseen questions " + before + " -> " + after);
    }
  }

  /** The success-rate head, from groups of 8 Bernoulli outcomes: learns p, generalises, restores with its target. */
  @Test
  void theSuccessRateHeadLearnsFromOutcomesAndRefusesGradedRewards() throws IOException {
    Rng rng = new Rng(3);
    List<Question> qs = new ArrayList<>();
    double[] p = new double[800];
    double[] truth = new double[800];
    for (int i = 0; i < 800; i++) {
      int digits = 1 + rng.nextInt(7);
      long lo = (long) Math.pow(10, digits - 1);
      qs.add(new Question("q" + i, (lo + (long) (rng.nextDouble() * 9 * lo)) + "+" + (lo + (long) (rng.nextDouble() * 9 * lo)) + "="));
      p[i] = 1 / (1 + Math.exp(1.5 * (digits - 3.5)));
      truth[i] = Math.sqrt(p[i] * (1 - p[i]));
    }
    QuestionPool pool = QuestionPool.of(qs);
    int[] train = new int[600];
    double[] u = new double[600];
    double[] ph = new double[600];
    int[] g = new int[600];
    for (int i = 0; i < 600; i++) {
      int k = 0;
      for (int j = 0; j < 8; j++) {
        k += rng.nextDouble() < p[i] ? 1 : 0;
      }
      train[i] = i;
      ph[i] = k / 8.0;
      u[i] = Math.sqrt(ph[i] * (1 - ph[i]));
      g[i] = 8;
    }
    int[] test = new int[200];
    for (int i = 0; i < 200; i++) {
      test[i] = 600 + i;
    }
    try (TransformerTeacher t = TransformerTeacher.builder(ENCODER, TOK).seed(1).learningRate(3e-3)
        .target(ai.goldilocks.core.predictor.TeacherTarget.SUCCESS_RATE).build();
        TransformerTeacher other = TransformerTeacher.builder(ENCODER, TOK).seed(1).build()) {
      double before = mae(t, pool, test, truth);
      t.train(pool, new ai.goldilocks.core.spi.TrainingExamples(train, u, ph, g, 600, 600), 8);
      double after = mae(t, pool, test, truth);
      assertTrue(after < 0.06, "MAE on unseen questions " + before + " -> " + after);
      double[] graded = u.clone();
      graded[5] = 0; // a group whose rewards were all 0.5: success rate 0.5 without spread
      ph[5] = 0.5;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.train(pool, new ai.goldilocks.core.spi.TrainingExamples(train, graded, ph, g, 600, 600), 1));
      assertTrue(e.getMessage().contains("graded"), e.getMessage());
      assertTrue(mae(t, pool, test, truth) == after, "a refused update changes nothing");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      t.writeState(new DataOutputStream(bytes));
      IOException wrong = assertThrows(IOException.class,
          () -> other.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
      assertTrue(wrong.getMessage().contains("SUCCESS_RATE"), wrong.getMessage());
    }
  }

  private static double mae(TransformerTeacher t, QuestionPool pool, int[] idx, double[] truth) {
    double[] out = new double[idx.length];
    t.predict(pool, idx, idx.length, out);
    double s = 0;
    for (int i = 0; i < idx.length; i++) {
      assertTrue(out[i] >= 0 && out[i] <= 0.5);
      s += Math.abs(out[i] - truth[idx[i]]);
    }
    return s / idx.length;
  }

  @Test
  void stateRoundTripContinuesIdenticallyAndCorruptionChangesNothing() throws IOException {
    QuestionPool pool = QuestionPool.of(List.of(new Question("a", "1+1="), new Question("b", "12345+67890="),
        new Question("c", "7*8="), new Question("d", "999-1=")));
    int[] idx = {0, 1, 2, 3};
    double[] y = {0.1, 0.4, 0.2, 0.3};
    try (TransformerTeacher a = TransformerTeacher.builder(ENCODER, TOK).seed(1).build();
        TransformerTeacher b = TransformerTeacher.builder(ENCODER, TOK).seed(2).build()) {
      a.train(pool, idx, y, 4, 2);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      a.writeState(new DataOutputStream(bytes));
      b.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      a.train(pool, idx, y, 4, 1);
      b.train(pool, idx, y, 4, 1);
      double[] pa = new double[4];
      double[] pb = new double[4];
      a.predict(pool, idx, 4, pa);
      b.predict(pool, idx, 4, pb);
      for (int i = 0; i < 4; i++) {
        assertEquals(pa[i], pb[i], 1e-6);
      }
      byte[] cut = java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2);
      assertThrows(IOException.class, () -> b.readState(new DataInputStream(new ByteArrayInputStream(cut))));
      double[] after = new double[4];
      b.predict(pool, idx, 4, after);
      for (int i = 0; i < 4; i++) {
        assertEquals(pb[i], after[i], 0.0);
      }
    }
  }

  /** A NaN in a gradient is refused, leaves the served weights as they were, and does not stick. */
  @Test
  void aNonFiniteGradientIsRefusedAndTheNextUpdateSucceeds() {
    List<Question> qs = new ArrayList<>();
    double[] y = new double[40];
    int[] idx = new int[40];
    for (int i = 0; i < 40; i++) {
      qs.add(new Question("q" + i, (i * 37) + "+" + i + "="));
      y[i] = 0.01 * i;
      idx[i] = i;
    }
    QuestionPool pool = QuestionPool.of(qs);
    java.util.concurrent.atomic.AtomicBoolean poison = new java.util.concurrent.atomic.AtomicBoolean();
    try (TransformerTeacher t = TransformerTeacher.builder(ENCODER, TOK).seed(2).learningRate(3e-3).gradientProbe(params -> {
      if (poison.get()) {
        params.get(0).getGradient().addi(Float.NaN);
      }
    }).build()) {
      t.train(pool, idx, y, 40, 1);
      double[] before = new double[40];
      t.predict(pool, idx, 40, before);
      poison.set(true);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.train(pool, idx, y, 40, 2));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      double[] after = new double[40];
      t.predict(pool, idx, 40, after);
      org.junit.jupiter.api.Assertions.assertArrayEquals(before, after, 0.0);
      poison.set(false);
      t.train(pool, idx, y, 40, 2);
      t.predict(pool, idx, 40, after);
      boolean moved = false;
      for (int i = 0; i < 40; i++) {
        assertTrue(Double.isFinite(after[i]));
        moved |= after[i] != before[i];
      }
      assertTrue(moved, "the update after the refused one must apply");
    }
  }

  /**
   * A train that fails part-way (an exception after some minibatches were applied, or a gradient
   * that is not finite) changes nothing: the same train afterwards leaves the teacher bit for bit
   * as a copy that never failed (weights, AdamW's moments and step, random stream).
   */
  @Test
  void aTrainThatFailsPartWayChangesNothing() throws IOException {
    List<Question> qs = new ArrayList<>();
    double[] y = new double[40];
    int[] idx = new int[40];
    for (int i = 0; i < 40; i++) {
      qs.add(new Question("q" + i, (i * 37) + "+" + i + "="));
      y[i] = 0.0125 * i;
      idx[i] = i;
    }
    QuestionPool pool = QuestionPool.of(qs);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger failAt = new java.util.concurrent.atomic.AtomicInteger(-1);
    java.util.concurrent.atomic.AtomicBoolean nan = new java.util.concurrent.atomic.AtomicBoolean();
    try (TransformerTeacher ref = TransformerTeacher.builder(ENCODER, TOK).seed(5).batchSize(16).build();
        TransformerTeacher t = TransformerTeacher.builder(ENCODER, TOK).seed(5).batchSize(16).gradientProbe(params -> {
          if (calls.incrementAndGet() == failAt.get()) {
            if (nan.get()) {
              try (ai.djl.ndarray.NDArray g = params.get(1).getGradient()) { // a view: closing it frees the view only
                g.addi(Float.NaN);
              }
            } else {
              throw new IllegalStateException("planted failure");
            }
          }
        }).build()) {
      ref.train(pool, idx, y, 40, 1);
      t.train(pool, idx, y, 40, 1); // 3 minibatches: moments and step are not zero
      byte[] before = state(t);
      int arrays = t.liveArrayCount();
      // fails at the 5th of this call's 6 minibatches (3 an epoch): 4 were applied, the shuffle of epoch 2 drawn
      calls.set(0);
      failAt.set(5);
      assertThrows(IllegalStateException.class, () -> t.train(pool, idx, y, 40, 2));
      org.junit.jupiter.api.Assertions.assertArrayEquals(before, state(t));
      calls.set(0);
      failAt.set(3); // a NaN in the 3rd: 2 were applied
      nan.set(true);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.train(pool, idx, y, 40, 2));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      org.junit.jupiter.api.Assertions.assertArrayEquals(before, state(t));
      failAt.set(-1);
      ref.train(pool, idx, y, 40, 2);
      t.train(pool, idx, y, 40, 2);
      double[] pr = new double[40];
      double[] pt = new double[40];
      ref.predict(pool, idx, 40, pr);
      t.predict(pool, idx, 40, pt);
      org.junit.jupiter.api.Assertions.assertArrayEquals(pr, pt, 0.0);
      org.junit.jupiter.api.Assertions.assertArrayEquals(state(ref), state(t));
      assertEquals(arrays, t.liveArrayCount(), "the moments a train replaced, or a failed one made, must be freed");
    }
  }

  /**
   * A snapshot writes the state as of when it was taken, also after later trains have replaced the
   * moments and reused both weight buffers.
   */
  @Test
  void aSnapshotKeepsTheStateOfItsMomentWhileLaterTrainsRun() throws IOException {
    QuestionPool pool = QuestionPool.of(List.of(new Question("a", "1+1="), new Question("b", "12345+67890="),
        new Question("c", "7*8="), new Question("d", "999-1=")));
    int[] idx = {0, 1, 2, 3};
    double[] y = {0.1, 0.4, 0.2, 0.3};
    try (TransformerTeacher t = TransformerTeacher.builder(ENCODER, TOK).seed(3).batchSize(2).build()) {
      t.train(pool, idx, y, 4, 1);
      ai.goldilocks.core.spi.UtilityPredictor.StateSnapshot snapshot = t.stateSnapshot();
      byte[] then = state(t);
      t.train(pool, idx, y, 4, 2);
      t.train(pool, idx, y, 4, 1);
      assertTrue(!java.util.Arrays.equals(then, state(t)), "the trains must change the state");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      snapshot.writeTo(new DataOutputStream(bytes));
      org.junit.jupiter.api.Assertions.assertArrayEquals(then, bytes.toByteArray());
    }
  }

  static byte[] state(TransformerTeacher t) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    t.writeState(new DataOutputStream(bytes));
    return bytes.toByteArray();
  }
}
