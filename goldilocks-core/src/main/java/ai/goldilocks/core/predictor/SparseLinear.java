package ai.goldilocks.core.predictor;

/**
 * A linear part over ids (one weight per id; id 0 = an empty slot, weight 0), trained on the
 * weights a minibatch touched with a little L2, by one of two per-weight step sizes: RMSProp (a
 * running mean square of the gradient, decay 0.99; for {@link SparseText}'s word and cross ids,
 * whose weights must follow a student whose skills per topic move) or Adagrad (the sum of the
 * squared gradients, so steps shrink as evidence accumulates; for its digit pairs, which describe
 * the text's structure). Holds the optimizer's state; the weights themselves are passed in.
 */
final class SparseLinear {
  static final int BUCKETS = SparseText.BUCKETS;
  private static final double DECAY = 0.99;
  private static final double L2 = 1e-4;

  /** Running mean square (RMSProp) or sum of squares (Adagrad) of each weight's gradient. */
  final float[] meanSquare;
  private final double learningRate;
  private final boolean adagrad;

  /** An RMSProp part over {@link #BUCKETS} ids. */
  SparseLinear(double learningRate) {
    this(BUCKETS, learningRate, false);
  }

  SparseLinear(int size, double learningRate, boolean adagrad) {
    this.meanSquare = new float[size];
    this.learningRate = learningRate;
    this.adagrad = adagrad;
  }

  /** A copy with the same mean squares. */
  SparseLinear copy() {
    SparseLinear s = new SparseLinear(meanSquare.length, learningRate, adagrad);
    System.arraycopy(meanSquare, 0, s.meanSquare, 0, meanSquare.length);
    return s;
  }

  /** The contribution to a logit: the weights of ids[base .. base + slots). */
  static double sum(float[] weights, char[] ids, int base, int slots) {
    double z = 0;
    for (int s = 0; s < slots; s++) {
      z += weights[ids[base + s]]; // id 0 (empty) keeps weight 0
    }
    return z;
  }

  /**
   * Adds dz to the gradient of each id of ids[base .. base + slots), listing newly touched ids in
   * {@code touched}; returns the new count of touched ids.
   */
  static int accumulate(float[] grad, char[] ids, int base, int slots, double dz, int[] touched, int nTouched) {
    for (int sl = 0; sl < slots; sl++) {
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
      double ms = adagrad ? meanSquare[id] + gi * gi : DECAY * meanSquare[id] + (1 - DECAY) * gi * gi;
      meanSquare[id] = (float) ms;
      weights[id] = (float) (weights[id] - learningRate * (gi / (Math.sqrt(ms) + 1e-8) + L2 * weights[id]));
      grad[id] = 0;
    }
  }
}
