package ai.goldilocks.core.predictor;

import ai.goldilocks.core.spi.TrainingExamples;
import java.util.Arrays;

/**
 * The feature teacher's memory: random effects on the logit of the success rate, fitted to the
 * window's outcomes given the text's logits. With sparse text first one effect per cluster
 * (questions stating the same numbers), then per question a deviation from its cluster's; without,
 * one per question. Each is the posterior mode of sum_i wt_i [k_i log p_i + (n_i - k_i) log (1 -
 * p_i)] - u^2 priorPrecision / 2 over its examples, p_i = sigmoid(offset_i + u), found by a few
 * Newton steps from 0; wt is normalised so that the newest group weighs about 1. The prior is given
 * or estimated from the window (empirical Bayes).
 */
final class MemoryFit {
  private static final int NEWTON_STEPS = 3;
  private static final double MIN_PRIOR_STD = 0.1;
  private static final double MAX_PRIOR_STD = 4;

  private MemoryFit() {}

  /**
   * Effects for the examples {@code ex} with text logits {@code z} and per-example weights
   * {@code weight}. {@code priorPrecision} NaN estimates it: method of moments on E[(p_hat - p)^2] =
   * p(1-p)/n + (p(1-p))^2 tau^2, tau clamped to [0.1, 4]. Returns {question effects (totals),
   * cluster effects}.
   */
  static QuestionEffects[] fit(TrainingExamples ex, double[] weight, double[] z, SparseText sparse, double priorPrecision) {
    int count = ex.size();
    double newest = weight[count - 1] / ex.groupSize(count - 1);
    if (Double.isNaN(priorPrecision)) {
      double num = 0;
      double den = 0;
      for (int i = 0; i < count; i++) {
        double p = sigmoid(z[i]);
        double var = p * (1 - p);
        double r = ex.successRate(i) - p;
        num += weight[i] * (r * r - var / ex.groupSize(i));
        den += weight[i] * var * var;
      }
      double tau2 = den > 0 ? num / den : 0;
      tau2 = Math.max(MIN_PRIOR_STD * MIN_PRIOR_STD, Math.min(MAX_PRIOR_STD * MAX_PRIOR_STD, tau2));
      priorPrecision = 1 / tau2;
    }
    QuestionEffects clusters = QuestionEffects.EMPTY;
    double[] offset = z;
    if (sparse != null) {
      int[] cluster = new int[count];
      for (int i = 0; i < count; i++) {
        cluster[i] = sparse.cluster[ex.question(i)];
      }
      clusters = byKey(ex, cluster, z, weight, newest, priorPrecision, null, null);
      offset = new double[count];
      for (int i = 0; i < count; i++) {
        offset[i] = z[i] + clusters.get(cluster[i]);
      }
    }
    int[] question = new int[count];
    for (int i = 0; i < count; i++) {
      question[i] = ex.question(i);
    }
    return new QuestionEffects[] {byKey(ex, question, offset, weight, newest, priorPrecision, sparse,
        sparse == null ? null : clusters), clusters};
  }

  /**
   * One effect per distinct key over the examples with that key; with {@code base}, keys are
   * questions and each stored value is the effect plus the base effect of the question's cluster.
   */
  private static QuestionEffects byKey(TrainingExamples ex, int[] key, double[] offset, double[] weight, double newest,
      double priorPrecision, SparseText sparse, QuestionEffects base) {
    int count = key.length;
    long[] keyed = new long[count];
    for (int i = 0; i < count; i++) {
      keyed[i] = ((long) key[i] << 32) | i;
    }
    Arrays.sort(keyed);
    // in key order: each example's weight times its group size, success rate and offset, computed
    // once for the three steps
    double[] wn = new double[count];
    double[] rate = new double[count];
    double[] off = new double[count];
    for (int j = 0; j < count; j++) {
      int i = (int) keyed[j];
      double n = ex.groupSize(i);
      double wt = weight[i] / n / newest;
      wn[j] = wt * n;
      rate[j] = ex.successRate(i);
      off[j] = offset[i];
    }
    // the groups of equal keys, in key order
    int[] start = new int[count + 1];
    int groups = 0;
    for (int j = 0; j < count; j++) {
      if (j == 0 || (int) (keyed[j] >>> 32) != (int) (keyed[j - 1] >>> 32)) {
        start[groups++] = j;
      }
    }
    start[groups] = count;
    // each step for every group before the next step: the groups' Newton iterations are independent
    // chains (each in the same order as one group at a time), so the processor overlaps them
    double[] u = new double[groups];
    for (int step = 0; step < NEWTON_STEPS; step++) {
      for (int g = 0; g < groups; g++) {
        double ug = u[g];
        double grad = -ug * priorPrecision;
        double hess = priorPrecision;
        for (int j = start[g]; j < start[g + 1]; j++) {
          double p = sigmoid(off[j] + ug);
          grad += wn[j] * (rate[j] - p);
          hess += wn[j] * p * (1 - p);
        }
        u[g] = ug + grad / hess;
      }
    }
    QuestionEffects.Builder out = new QuestionEffects.Builder(count);
    for (int g = 0; g < groups; g++) {
      int k = (int) (keyed[start[g]] >>> 32);
      out.put(k, (float) (base == null ? u[g] : u[g] + base.get(sparse.cluster[k])));
    }
    return out.build();
  }

  /**
   * A global offset on the logit for the student as it is now: the posterior mode of one shared
   * effect b under a N(0, 1 / priorPrecision) prior, fitted to the examples weighted by
   * 2^(-age / halfLife) (age in samples from the newest; examples older than six half-lives are
   * left out). The text's logits lag a student who is learning, since they are fitted over the
   * whole window; b says how far.
   */
  static double recentOffset(TrainingExamples ex, double[] z, double halfLife, double priorPrecision) {
    int count = ex.size();
    int from = Math.max(0, count - (int) Math.ceil(halfLife * 6));
    // each example's weight times its group size, computed once for the three steps
    double[] wn = new double[count - from];
    for (int i = from; i < count; i++) {
      double wt = Math.pow(0.5, (count - 1 - i) / halfLife);
      double n = ex.groupSize(i);
      wn[i - from] = wt * n;
    }
    double b = 0;
    for (int step = 0; step < NEWTON_STEPS; step++) {
      double grad = -b * priorPrecision;
      double hess = priorPrecision;
      for (int i = from; i < count; i++) {
        double p = sigmoid(z[i] + b);
        grad += wn[i - from] * (ex.successRate(i) - p);
        hess += wn[i - from] * p * (1 - p);
      }
      b += grad / hess;
    }
    return b;
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
