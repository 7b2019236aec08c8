package ai.goldilocks.core.predictor;

import ai.goldilocks.core.internal.Rng;

/**
 * The feature teacher's network: one hidden ReLU layer over the {@link TextFeatures} of a question,
 * a main output (a logit) and a second output (the spread head of graded rewards). Weights live in
 * one flat array, laid out as W1 (hidden x D), b1 (hidden), w2 (hidden), b2, w3 (hidden), b3; this
 * class holds no weights, only the arithmetic over them.
 */
final class Mlp {
  static final int D = TextFeatures.DIM;

  final int hidden;
  final int b1;
  final int w2;
  final int w3;
  final int size;

  Mlp(int hidden) {
    this.hidden = hidden;
    this.b1 = hidden * D;
    this.w2 = b1 + hidden;
    this.w3 = w2 + hidden + 1;
    this.size = w3 + hidden + 1;
  }

  /** Initial weights: He-scaled W1, small w2, zeros elsewhere. */
  double[] init(Rng rng) {
    double[] w = new double[size];
    double scale = Math.sqrt(2.0 / D);
    for (int i = 0; i < hidden * D; i++) {
      w[i] = rng.nextGaussian() * scale;
    }
    double scale2 = Math.sqrt(1.0 / hidden);
    for (int i = 0; i < hidden; i++) {
      w[w2 + i] = rng.nextGaussian() * scale2 * 0.1;
    }
    return w;
  }

  /** Question {@code index}'s quantised features from {@code table} into x. */
  static void load(byte[] table, int index, double[] x) {
    int base = index * D;
    for (int k = 0; k < D; k++) {
      x[k] = table[base + k] * (1.0 / 127);
    }
  }

  /**
   * Returns the main output's pre-activation z; fills h with the hidden activations.
   *
   * <p>Eight hidden units at a time: each unit's sum is still b1 + w . x added in the order of the
   * features, and z adds the units in their order, so the result is the same to the bit as one
   * unit at a time; eight independent sums keep the floating-point adder busy where one sum would
   * wait for each addition to finish.
   */
  double forward(double[] w, double[] x, double[] h) {
    double z = w[w2 + hidden];
    int i = 0;
    for (; i + 8 <= hidden; i += 8) {
      double a0 = w[b1 + i];
      double a1 = w[b1 + i + 1];
      double a2 = w[b1 + i + 2];
      double a3 = w[b1 + i + 3];
      double a4 = w[b1 + i + 4];
      double a5 = w[b1 + i + 5];
      double a6 = w[b1 + i + 6];
      double a7 = w[b1 + i + 7];
      int r0 = i * D;
      for (int k = 0; k < D; k++) {
        double xk = x[k];
        int r = r0 + k;
        a0 += w[r] * xk;
        a1 += w[r + D] * xk;
        a2 += w[r + 2 * D] * xk;
        a3 += w[r + 3 * D] * xk;
        a4 += w[r + 4 * D] * xk;
        a5 += w[r + 5 * D] * xk;
        a6 += w[r + 6 * D] * xk;
        a7 += w[r + 7 * D] * xk;
      }
      z = out(w, h, i, a0, z);
      z = out(w, h, i + 1, a1, z);
      z = out(w, h, i + 2, a2, z);
      z = out(w, h, i + 3, a3, z);
      z = out(w, h, i + 4, a4, z);
      z = out(w, h, i + 5, a5, z);
      z = out(w, h, i + 6, a6, z);
      z = out(w, h, i + 7, a7, z);
    }
    for (; i < hidden; i++) {
      double a = w[b1 + i];
      int row = i * D;
      for (int k = 0; k < D; k++) {
        a += w[row + k] * x[k];
      }
      z = out(w, h, i, a, z);
    }
    return z;
  }

  /** Hidden unit i's activation relu(a) into h[i]; returns z plus its contribution to the main output. */
  private double out(double[] w, double[] h, int i, double a, double z) {
    double r = a > 0 ? a : 0;
    h[i] = r;
    return z + w[w2 + i] * r;
  }

  /** The spread head's pre-activation, from hidden activations h. */
  double spread(double[] w, double[] h) {
    double z = w[w3 + hidden];
    for (int i = 0; i < hidden; i++) {
      z += w[w3 + i] * h[i];
    }
    return z;
  }

  /**
   * Adds to {@code grad} the gradient of one example whose loss has derivative dz by the main
   * pre-activation and ds by the spread head's, given its input x and hidden activations h.
   */
  void backward(double[] w, double[] grad, double[] x, double[] h, double dz, double ds) {
    grad[w2 + hidden] += dz;
    grad[w3 + hidden] += ds;
    for (int k = 0; k < hidden; k++) {
      if (h[k] <= 0) {
        continue;
      }
      grad[w2 + k] += dz * h[k];
      grad[w3 + k] += ds * h[k];
      double da = dz * w[w2 + k] + ds * w[w3 + k];
      grad[b1 + k] += da;
      int row = k * D;
      for (int c = 0; c < D; c++) {
        grad[row + c] += da * x[c];
      }
    }
  }
}
