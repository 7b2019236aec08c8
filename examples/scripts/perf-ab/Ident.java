import ai.goldilocks.core.*;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.predictor.*;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import java.io.ByteArrayOutputStream;
import java.util.List;

/** Before/after identity: fingerprints of picks, predictions and states for several teacher configurations. */
public class Ident {
  static long mix(long h, long v) { h ^= v; h *= 0x100000001B3L; return h ^ (h >>> 29); }

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args.length > 0 ? args[0] : "30000");
    QuestionPool.Builder b = QuestionPool.builder();
    ArithmeticTasks.forEach(n, 8, 42, "q-", t -> b.add(new Question(t.id(), "Problem: compute " + t.prompt().replace("=", "") + " and write the exact result.")));
    QuestionPool pool = b.build();
    Object[][] configs = {
      {"default", FeaturePredictor.builder().seed(3).build(), false},
      {"default-graded", FeaturePredictor.builder().seed(3).build(), true},
      {"arith-nosparse", FeaturePredictor.builder().seed(5).features(FeatureSet.ARITHMETIC).sparseText(false).build(), false},
      {"utility-head", FeaturePredictor.builder().seed(7).target(TeacherTarget.UTILITY).hidden(13).build(), true},
      {"hidden7-nomem", FeaturePredictor.builder().seed(9).hidden(7).memory(false).recentHalfLife(0).build(), false},
    };
    for (Object[] c : configs) {
      String name = (String) c[0];
      FeaturePredictor p = (FeaturePredictor) c[1];
      boolean graded = (Boolean) c[2];
      long h = 0xcbf29ce484222325L;
      try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(p).seed(11)
          .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).window(2048).build()) {
        Rng rng = new Rng(13);
        for (int step = 0; step < 50; step++) {
          List<Selection> sel = s.next(step % 3 == 0 ? 100 : 37);
          for (Selection x : sel) {
            h = mix(h, x.poolIndex());
            h = mix(h, Double.doubleToRawLongBits(x.predictedUtility()));
            int qi = x.poolIndex();
            double pr = ((qi * 2654435761L) >>> 7) % 1000 / 1000.0;
            double[] r = new double[8];
            for (int j = 0; j < 8; j++) {
              r[j] = graded ? Math.floor(rng.nextDouble() * 4 + pr) / 4.0 : (rng.nextDouble() < pr ? 1 : 0);
              if (r[j] > 1) r[j] = 1;
            }
            s.feedback(new RolloutFeedback(x.question().id(), r, step));
          }
        }
        int[] all = new int[pool.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        double[] u = new double[all.length];
        double[] ps = new double[all.length];
        p.predict(pool, all, all.length, u);
        p.predictSuccessRate(pool, all, all.length, ps);
        long hp = 0xcbf29ce484222325L;
        for (int i = 0; i < all.length; i++) { hp = mix(hp, Double.doubleToRawLongBits(u[i])); hp = mix(hp, Double.doubleToRawLongBits(ps[i])); }
        // single-candidate predictions, odd counts
        double[] one = new double[1];
        for (int i = 0; i < 500; i++) { p.predict(pool, new int[] {i * 37 % pool.size()}, 1, one); hp = mix(hp, Double.doubleToRawLongBits(one[0])); }
        double[] five = new double[5];
        p.predict(pool, new int[] {5, 9, 13, 5, 0}, 5, five);
        for (double v : five) hp = mix(hp, Double.doubleToRawLongBits(v));
        ByteArrayOutputStream st = new ByteArrayOutputStream();
        s.saveState(st);
        long hs = 0xcbf29ce484222325L;
        for (byte by : st.toByteArray()) hs = mix(hs, by);
        System.out.printf("%-16s picks %016x predictions %016x state %016x (%d bytes) updates %d metrics %s%n", name, h, hp, hs, st.size(),
            s.metrics().teacherUpdates(), s.metrics().toString().hashCode());
      }
    }
  }
}
