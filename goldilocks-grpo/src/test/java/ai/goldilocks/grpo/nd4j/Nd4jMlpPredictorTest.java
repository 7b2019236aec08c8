package ai.goldilocks.grpo.nd4j;

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

class Nd4jMlpPredictorTest {

  private static QuestionPool pool(int n, double[] truth, long seed) {
    Rng rng = new Rng(seed);
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int digits = 1 + rng.nextInt(8);
      long lo = (long) Math.pow(10, digits - 1);
      qs.add(new Question("q" + i, "Compute " + (lo + (long) (rng.nextDouble() * 9 * lo)) + "+" + (lo + (long) (rng.nextDouble() * 9 * lo))));
      double p = 1 / (1 + Math.exp(2.0 * (digits - 4)));
      truth[i] = Math.sqrt(p * (1 - p));
    }
    return QuestionPool.of(qs);
  }

  @Test
  void learnsAUtilityOfTheTextAndStaysInRange() {
    double[] truth = new double[3000];
    QuestionPool pool = pool(3000, truth, 4);
    Nd4jMlpPredictor p = Nd4jMlpPredictor.builder().seed(1).build();
    int[] train = new int[2000];
    double[] y = new double[2000];
    for (int i = 0; i < 2000; i++) {
      train[i] = i;
      y[i] = truth[i];
    }
    p.train(pool, train, y, 2000, 10);
    int[] test = new int[1000];
    for (int i = 0; i < 1000; i++) {
      test[i] = 2000 + i;
    }
    double[] out = new double[1000];
    p.predict(pool, test, 1000, out);
    double mae = 0;
    for (int i = 0; i < 1000; i++) {
      assertTrue(out[i] >= 0 && out[i] <= 0.5);
      mae += Math.abs(out[i] - truth[2000 + i]);
    }
    mae /= 1000;
    assertTrue(mae < 0.05, "MAE on unseen questions " + mae);
  }

  @Test
  void stateRoundTripIsExactAndCorruptionIsRefused() throws IOException {
    double[] truth = new double[100];
    QuestionPool pool = pool(100, truth, 5);
    int[] idx = new int[100];
    for (int i = 0; i < 100; i++) {
      idx[i] = i;
    }
    Nd4jMlpPredictor a = Nd4jMlpPredictor.builder().seed(2).build();
    a.train(pool, idx, truth, 100, 2);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    a.writeState(new DataOutputStream(bytes));
    ai.goldilocks.core.spi.UtilityPredictor.StateSnapshot snapshot = a.stateSnapshot();
    Nd4jMlpPredictor b = Nd4jMlpPredictor.builder().seed(9).build();
    b.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    a.train(pool, idx, truth, 100, 1);
    // the snapshot keeps the state of its moment after the train
    ByteArrayOutputStream then = new ByteArrayOutputStream();
    snapshot.writeTo(new DataOutputStream(then));
    org.junit.jupiter.api.Assertions.assertArrayEquals(bytes.toByteArray(), then.toByteArray());
    b.train(pool, idx, truth, 100, 1);
    double[] pa = new double[100];
    double[] pb = new double[100];
    a.predict(pool, idx, 100, pa);
    b.predict(pool, idx, 100, pb);
    for (int i = 0; i < 100; i++) {
      assertEquals(pa[i], pb[i], 0.0);
    }
    byte[] cut = java.util.Arrays.copyOf(bytes.toByteArray(), 40);
    assertThrows(IOException.class, () -> b.readState(new DataInputStream(new ByteArrayInputStream(cut))));
    b.predict(pool, idx, 100, pa);
    for (int i = 0; i < 100; i++) {
      assertEquals(pb[i], pa[i], 0.0);
    }
  }

  private static byte[] state(Nd4jMlpPredictor p) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(b));
    return b.toByteArray();
  }

  @Test
  void aDivergingTrainIsRefusedAndLeavesWeightsMomentsStepAndRandomStreamAsTheyWere() throws IOException {
    double[] truth = new double[200];
    QuestionPool pool = pool(200, truth, 6);
    // a learning rate this large makes the float weights overflow within a few steps
    Nd4jMlpPredictor p = Nd4jMlpPredictor.builder().seed(2).learningRate(1e37).batchSize(8).build();
    int[] idx = new int[200];
    for (int i = 0; i < 200; i++) {
      idx[i] = i;
    }
    byte[] before = state(p);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.train(pool, idx, truth, 200, 3));
    assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertArrayEquals(before, state(p));
  }
}
