package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A {@link BlendPredictor#train} that fails leaves both parts as they were, whichever part
 * refuses; the blend's and the tracker's snapshots keep the state of their moment.
 */
class BlendRollbackProperties {
  private static final QuestionPool POOL = pool();

  private static QuestionPool pool() {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      texts.add("what is " + (i * 37 % 1000) + " + " + (i * 11 % 97) + "?");
    }
    return PredictorProperties.pool(texts);
  }

  private static TrainingExamples batch(long seed, int n) {
    return batch(seed, n, false);
  }

  /** {@code n} examples of the pool's questions; with {@code outside}, the middle one is past its end. */
  private static TrainingExamples batch(long seed, int n, boolean outside) {
    Rng rng = new Rng(seed);
    int[] q = new int[n];
    double[] p = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      q[i] = outside && i == n / 2 ? POOL.size() + 3 : rng.nextInt(POOL.size());
      p[i] = rng.nextInt(9) / 8.0;
      u[i] = Math.sqrt(p[i] * (1 - p[i]));
      g[i] = 8;
    }
    return new TrainingExamples(q, u, p, g, n, n);
  }

  private static byte[] state(UtilityPredictor p) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(b));
    return b.toByteArray();
  }

  private static double[] predictions(UtilityPredictor p) {
    double[] u = new double[POOL.size()];
    p.predict(POOL, Rng.identity(POOL.size()), POOL.size(), u);
    return u;
  }

  /**
   * A general model that learns the mean utility of every example it is given, whatever the
   * question (it never looks at the pool), all or nothing.
   */
  private static final class MeanPredictor implements UtilityPredictor {
    private double sum;
    private long count;

    @Override
    public String name() {
      return "mean";
    }

    @Override
    public void predict(QuestionPool pool, int[] candidates, int n, double[] out) {
      Arrays.fill(out, 0, n, count == 0 ? 0.25 : sum / count);
    }

    @Override
    public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
      for (int i = 0; i < examples.size(); i++) {
        sum += examples.utility(i);
      }
      count += examples.size();
    }

    @Override
    public void writeState(DataOutput out) throws IOException {
      out.writeDouble(sum);
      out.writeLong(count);
    }

    @Override
    public void readState(DataInput in) throws IOException {
      sum = in.readDouble();
      count = in.readLong();
    }
  }

  /** The general model fails part-way, or the tracker refuses a question outside the pool: nothing changes. */
  @Property(tries = 6)
  void aTrainThatFailsChangesNeitherPart(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int failingEpoch)
      throws IOException {
    FeaturePredictor general = FeaturePredictor.builder().seed(seed).build();
    BlendPredictor failed = new BlendPredictor(general);
    BlendPredictor fresh = new BlendPredictor(FeaturePredictor.builder().seed(seed).build());
    failed.train(POOL, batch(seed, 40), 2);
    fresh.train(POOL, batch(seed, 40), 2);
    byte[] before = state(failed);

    general.afterEpoch = e -> {
      if (e == failingEpoch) {
        throw new IllegalStateException("injected failure after epoch " + e);
      }
    };
    assertThrows(IllegalStateException.class, () -> failed.train(POOL, batch(seed + 1, 50), 3));
    general.afterEpoch = e -> {};
    assertArrayEquals(before, state(failed), "a failed general train changed the blend");

    BlendPredictor blind = new BlendPredictor(new MeanPredictor());
    blind.train(POOL, batch(seed, 40), 1);
    byte[] blindBefore = state(blind);
    TrainingExamples outside = batch(seed + 2, 50, true);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> blind.train(POOL, outside, 1));
    assertTrue(e.getMessage().contains("outside the pool"), e.getMessage());
    assertArrayEquals(blindBefore, state(blind), "a tracker refusal changed the blend");

    failed.train(POOL, batch(seed + 3, 50), 3);
    fresh.train(POOL, batch(seed + 3, 50), 3);
    assertArrayEquals(predictions(fresh), predictions(failed));
    assertArrayEquals(state(fresh), state(failed));
  }

  /** A snapshot writes the state of its moment, also after later trains. */
  @Property(tries = 4)
  void snapshotsKeepTheStateOfTheirMoment(@ForAll long seed) throws IOException {
    for (UtilityPredictor p : new UtilityPredictor[] {new TrackerPredictor(),
        new BlendPredictor(FeaturePredictor.builder().seed(seed).build())}) {
      p.train(POOL, batch(seed, 40), 2);
      UtilityPredictor.StateSnapshot snapshot = p.stateSnapshot();
      byte[] then = state(p);
      p.train(POOL, batch(seed + 1, 40), 2);
      assertFalse(Arrays.equals(then, state(p)), "the train must change the state");
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      snapshot.writeTo(new DataOutputStream(b));
      assertArrayEquals(then, b.toByteArray(), p.name());
    }
  }
}
