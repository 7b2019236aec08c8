package ai.goldilocks.core.internal;

import org.apiguardian.api.API;

/**
 * A small, fast, splittable pseudo-random generator (SplitMix64) whose whole state is one
 * {@code long}, so that samplers and simulators can checkpoint and restore it exactly.
 *
 * <p>Not thread-safe: each user owns its instance and guards it. Internal: exported to this
 * library's own modules only; not an API.
 */
@API(status = API.Status.INTERNAL, since = "0.1.0")
public final class Rng {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  /** A generator seeded with {@code seed}. */
  public Rng(long seed) {
    this.state = seed;
  }

  /** The complete state, for checkpoints. */
  public long state() {
    return state;
  }

  /** Restores a state returned by {@link #state()}. */
  public void setState(long state) {
    this.state = state;
  }

  /** A new independent generator derived from this one (advances this one). */
  public Rng split() {
    return new Rng(nextLong() ^ 0x5DEECE66DL);
  }

  /** Uniform 64-bit value. */
  public long nextLong() {
    long z = (state += GOLDEN);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform integer in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be > 0, got " + bound);
    }
    // Lemire's multiply-shift with rejection, unbiased.
    long m = (nextLong() >>> 32) * bound;
    long low = m & 0xFFFFFFFFL;
    if (low < bound) {
      long threshold = (0x100000000L - bound) % bound;
      while (low < threshold) {
        m = (nextLong() >>> 32) * bound;
        low = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** Standard normal draw (Box-Muller, one value per call). */
  public double nextGaussian() {
    double u1 = nextDouble();
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Gamma(shape, 1) draw (Marsaglia-Tsang), shape &gt; 0. */
  public double nextGamma(double shape) {
    if (!(shape > 0)) {
      throw new IllegalArgumentException("shape must be > 0, got " + shape);
    }
    if (shape < 1) {
      double u = nextDouble();
      return nextGamma(shape + 1.0) * Math.pow(u == 0 ? Double.MIN_NORMAL : u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / Math.sqrt(9.0 * d);
    while (true) {
      double x;
      double v;
      do {
        x = nextGaussian();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** Beta(a, b) draw. */
  public double nextBeta(double a, double b) {
    double x = nextGamma(a);
    double y = nextGamma(b);
    return x / (x + y);
  }

  /** The identity permutation of {@code n} elements, {@code [0, 1, ..., n - 1]}. */
  public static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Shuffles {@code a} in place (Fisher-Yates). */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Binomial(n, p) draw by n Bernoulli trials (n is a group size: small). */
  public int nextBinomial(int n, double p) {
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (nextDouble() < p) {
        k++;
      }
    }
    return k;
  }
}
