import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.BlendPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TrackerPredictor;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What {@code stateSnapshot()} (taken before every asynchronous update) costs the pure-Java teachers
 * of one build, beside an update: the blend of the feature teacher and the tracker, and the tracker
 * alone, each trained on 4,096-example windows of a 30,000-question pool for 3 epochs (the sampler's
 * defaults). Prints one JSON object: medians in milliseconds, and hashes of the predictions for the
 * whole pool and of the saved state after all rounds (equal for two builds that train alike).
 *
 * <pre>java -cp "BUILD/lib/*" SnapshotCost.java [rounds=20]</pre>
 */
public class SnapshotCost {
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    SplittableRandom r = new SplittableRandom(5);
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 30000; i++) {
      qs.add(new Question("q" + i, "What is " + r.nextInt(100000) + (r.nextBoolean() ? " + " : " * ") + r.nextInt(1000) + "?"));
    }
    QuestionPool pool = QuestionPool.of(qs);
    StringBuilder json = new StringBuilder("{\"rounds\": " + rounds);
    for (UtilityPredictor p : new UtilityPredictor[] {new BlendPredictor(FeaturePredictor.builder().seed(1).build()),
        new TrackerPredictor()}) {
      long[] update = new long[rounds];
      long[] snapshot = new long[rounds];
      for (int k = -3; k < rounds; k++) {
        int n = 4096;
        int[] idx = new int[n];
        double[] u = new double[n];
        double[] s = new double[n];
        int[] g = new int[n];
        for (int j = 0; j < n; j++) {
          idx[j] = r.nextInt(pool.size());
          s[j] = r.nextInt(9) / 8.0;
          u[j] = Math.sqrt(s[j] * (1 - s[j]));
          g[j] = 8;
        }
        long t0 = System.nanoTime();
        UtilityPredictor.StateSnapshot snap = p.stateSnapshot();
        long t1 = System.nanoTime();
        p.train(pool, new TrainingExamples(idx, u, s, g, n, 64), 3);
        long t2 = System.nanoTime();
        if (k >= 0) {
          snapshot[k] = t1 - t0;
          update[k] = t2 - t1;
        }
        if (snap == null) {
          throw new AssertionError();
        }
      }
      Arrays.sort(update);
      Arrays.sort(snapshot);
      double[] pred = new double[pool.size()];
      int[] all = new int[pool.size()];
      Arrays.setAll(all, i -> i);
      p.predict(pool, all, all.length, pred);
      java.io.ByteArrayOutputStream state = new java.io.ByteArrayOutputStream();
      p.writeState(new java.io.DataOutputStream(state));
      json.append(String.format(", \"%s\": {\"updateMs\": %.2f, \"snapshotMs\": %.3f, \"predictionsHash\": %d, "
          + "\"stateHash\": %d}", p.name(), update[rounds / 2] / 1e6, snapshot[rounds / 2] / 1e6, Arrays.hashCode(pred),
          Arrays.hashCode(state.toByteArray())));
    }
    System.out.println(json.append('}'));
  }
}
