package ai.goldilocks.core.predictor;

/**
 * The linear part over {@link SparseText}'s word and cross ids: one weight per bucket, trained by
 * RMSProp on the weights a minibatch touched (a running mean square per weight, decay 0.99) with a
 * little L2. Holds the optimizer's state; the weights themselves are passed in.
 */
final class SparseLinear {
  static final int BUCKETS = SparseText.BUCKETS;
  static final int SLOTS = SparseText.SLOTS;
  private static final double DECAY = 0.99;
  private static final double L2 = 1e-4;

  /** Running mean square of each bucket's gradient. */
  final float[] meanSquare;
  private final double learningRate;

  SparseLinear(double learningRate) {
    this.meanSquare = new float[BUCKETS];
    this.learningRate = learningRate;
  }

  /** A copy with the same mean squares. */
  SparseLinear copy() {
    SparseLinear s = new SparseLinear(learningRate);
    System.arraycopy(meanSquare, 0, s.meanSquare, 0, meanSquare.length);
    return s;
  }

  /** The contribution to a logit: the weights of ids[base .. base + SLOTS). */
  static double sum(float[] weights, char[] ids, int base) {
    double z = 0;
    for (int s = 0; s < SLOTS; s++) {
      z += weights[ids[base + s]]; // bucket 0 (empty) keeps weight 0
    }
    return z;
  }

  /**
   * Adds dz to the gradient of each id of ids[base .. base + SLOTS), listing newly touched ids in
   * {@code touched}; returns the new count of touched ids.
   */
  static int accumulate(float[] grad, char[] ids, int base, double dz, int[] touched, int nTouched) {
    for (int sl = 0; sl < SLOTS; sl++) {
      int id = ids[base + sl];
      if (id != 0) {
        if (grad[id] == 0) {
          touched[nTouched++] = id;
        }
        grad[id] += (float) dz;
        if (grad[id] == 0) {
          grad[id] = Float.MIN_VALUE; // still listed as touched
        }
      }
    }
    return nTouched;
  }

  /** One step on the n touched weights; clears their gradients. */
  void step(float[] weights, float[] grad, int[] touched, int n) {
    for (int k = 0; k < n; k++) {
      int id = touched[k];
      double gi = grad[id];
      double ms = DECAY * meanSquare[id] + (1 - DECAY) * gi * gi;
      meanSquare[id] = (float) ms;
      weights[id] = (float) (weights[id] - learningRate * (gi / (Math.sqrt(ms) + 1e-8) + L2 * weights[id]));
      grad[id] = 0;
    }
  }
}
