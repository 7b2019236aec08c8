package ai.goldilocks.core.predictor;

/** Adam (beta 0.9 / 0.999) over a flat weight array, with its moment estimates and step count. */
final class Adam {
  final double[] m;
  final double[] v;
  long step;
  private final double learningRate;

  Adam(int size, double learningRate) {
    this.m = new double[size];
    this.v = new double[size];
    this.learningRate = learningRate;
  }

  /** A copy with the same moments and step count. */
  Adam copy() {
    Adam a = new Adam(m.length, learningRate);
    System.arraycopy(m, 0, a.m, 0, m.length);
    System.arraycopy(v, 0, a.v, 0, v.length);
    a.step = step;
    return a;
  }

  /** One step on w with gradient g. */
  void step(double[] w, double[] g) {
    step++;
    double b1 = 0.9;
    double b2 = 0.999;
    double c1 = 1 - Math.pow(b1, step);
    double c2 = 1 - Math.pow(b2, step);
    if (c1 == 1 && c2 == 1) {
      // both bias corrections have rounded to exactly 1 (after about 37,000 steps; c1 after about 350),
      // and x / 1 == x: the same numbers without two divisions per weight
      for (int i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= learningRate * m[i] / (Math.sqrt(v[i]) + 1e-8);
      }
      return;
    }
    if (c1 == 1) {
      for (int i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= learningRate * m[i] / (Math.sqrt(v[i] / c2) + 1e-8);
      }
      return;
    }
    for (int i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
  }
}
