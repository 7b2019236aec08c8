package ai.goldilocks.grpo;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A real, tiny policy for the trainer's tests: per prompt bucket (a hash of the prompt's
 * characters modulo {@link #ROWS}) one softmax over {@link #VOCAB} tokens, the same at every
 * position. Token 0 ends a completion unless the sampling config names other stop tokens; the text
 * of token t is the letter {@code 'a' + t}. Sampling is deterministic for a seed, log-probabilities
 * and the gradient of {@code sum(coefficient * logprob)} are exact, and an update is plain gradient
 * descent, so a trainer test sees the arithmetic a real policy would do, on a few dozen numbers.
 */
class TinyPolicy implements Policy {
  static final int ROWS = 8;
  static final int VOCAB = 4;

  final double[][] theta = new double[ROWS][VOCAB];
  private double[][] reference;
  private double learningRate;
  private long version;
  /** How many completions fewer than asked each group gets (a broken policy, for the tests). */
  int missingCompletions;

  TinyPolicy(double learningRate) {
    this.learningRate = learningRate;
  }

  @Override
  public int[] encode(String text) {
    int[] out = new int[Math.max(1, text.length())];
    for (int i = 0; i < text.length(); i++) {
      out[i] = text.charAt(i);
    }
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder b = new StringBuilder();
    for (int t : tokens) {
      b.append((char) ('a' + t));
    }
    return b.toString();
  }

  static int row(int[] prompt) {
    int h = 7;
    for (int t : prompt) {
      h = 31 * h + t;
    }
    return Math.floorMod(h, ROWS);
  }

  private static double[] logSoftmax(double[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v / temperature);
    }
    double s = 0;
    for (double v : z) {
      s += Math.exp(v / temperature - max);
    }
    double lse = max + Math.log(s);
    double[] out = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      out[i] = z[i] / temperature - lse;
    }
    return out;
  }

  private static boolean stops(int token, SamplingConfig sampling) {
    return sampling.stopTokens() == null ? token == 0 : sampling.stopTokens().contains(token);
  }

  @Override
  public List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed) {
    int[] p = encode(prompt);
    double[] lp = logSoftmax(theta[row(p)], sampling.temperature());
    SplittableRandom rng = new SplittableRandom(seed);
    List<Completion> out = new ArrayList<>(n);
    for (int i = 0; i < n - missingCompletions; i++) {
      int[] tokens = new int[sampling.maxNewTokens()];
      double[] logProbs = new double[tokens.length];
      int len = 0;
      boolean stopped = false;
      while (len < tokens.length && !stopped) {
        double u = rng.nextDouble();
        int t = 0;
        double acc = Math.exp(lp[0]);
        while (u >= acc && t < VOCAB - 1) {
          t++;
          acc += Math.exp(lp[t]);
        }
        tokens[len] = t;
        logProbs[len] = lp[t];
        len++;
        stopped = stops(t, sampling);
      }
      int[] completion = java.util.Arrays.copyOf(tokens, len);
      int[] text = stopped ? java.util.Arrays.copyOf(completion, len - 1) : completion;
      out.add(new Completion(new Sequence(p, completion), java.util.Arrays.copyOf(logProbs, len), decode(text), !stopped));
    }
    return out;
  }

  private static double[][] logProbs(double[][] weights, List<Sequence> sequences, double temperature) {
    double[][] out = new double[sequences.size()][];
    for (int i = 0; i < out.length; i++) {
      Sequence s = sequences.get(i);
      double[] lp = logSoftmax(weights[row(s.prompt())], temperature);
      int[] c = s.completion();
      out[i] = new double[c.length];
      for (int t = 0; t < c.length; t++) {
        out[i][t] = lp[c[t]];
      }
    }
    return out;
  }

  @Override
  public double[][] logProbs(List<Sequence> sequences, double temperature) {
    return logProbs(theta, sequences, temperature);
  }

  @Override
  public TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    double[][] lp = logProbs(sequences, temperature);
    double[][] c = coefficients.of(lp);
    double[][] grad = new double[ROWS][VOCAB];
    long tokens = 0;
    double entropy = 0;
    for (int i = 0; i < c.length; i++) {
      Sequence s = sequences.get(i);
      int r = row(s.prompt());
      double[] p = logSoftmax(theta[r], temperature);
      int[] comp = s.completion();
      for (int t = 0; t < comp.length; t++) {
        if (!Double.isFinite(c[i][t]) || !Double.isFinite(lp[i][t])) {
          throw new IllegalArgumentException("coefficient or log-probability of sequence " + i + " token " + t + " is not finite");
        }
        // d logp(tok) / d theta[k] = (1[k == tok] - p_k) / T
        for (int k = 0; k < VOCAB; k++) {
          grad[r][k] += c[i][t] * ((k == comp[t] ? 1 : 0) - Math.exp(p[k])) / temperature;
        }
        double h = 0;
        for (double x : p) {
          h -= Math.exp(x) * x;
        }
        entropy += h;
        tokens++;
      }
    }
    double norm = 0;
    for (double[] g : grad) {
      for (double x : g) {
        norm += x * x;
      }
    }
    for (int r = 0; r < ROWS; r++) {
      for (int k = 0; k < VOCAB; k++) {
        theta[r][k] -= learningRate * grad[r][k];
      }
    }
    version++;
    return new TrainStats(Math.sqrt(norm), false, tokens, tokens == 0 ? Double.NaN : entropy / tokens);
  }

  @Override
  public long version() {
    return version;
  }

  @Override
  public void snapshotReference() {
    reference = new double[ROWS][];
    for (int r = 0; r < ROWS; r++) {
      reference[r] = theta[r].clone();
    }
  }

  @Override
  public double[][] referenceLogProbs(List<Sequence> sequences, double temperature) {
    if (reference == null) {
      throw new IllegalStateException("no reference snapshot");
    }
    return logProbs(reference, sequences, temperature);
  }

  /** Changes the learning rate (a schedule would). */
  void setLearningRate(double lr) {
    this.learningRate = lr;
  }

  @Override
  public String configuration() {
    return "TinyPolicy[learningRate=" + learningRate + "]";
  }

  @Override
  public void close() {}

  /** {@link TinyPolicy} with checkpoints: weights, reference and version in one file. */
  static class WithCheckpoints extends TinyPolicy {
    WithCheckpoints(double learningRate) {
      super(learningRate);
    }

    @Override
    public void saveCheckpoint(Path dir) throws IOException {
      Files.createDirectories(dir);
      try (OutputStream o = Files.newOutputStream(dir.resolve("tiny.bin")); DataOutputStream out = new DataOutputStream(o)) {
        out.writeLong(version());
        write(out, theta);
        out.writeBoolean(super.reference != null);
        if (super.reference != null) {
          write(out, super.reference);
        }
      }
    }

    private static void write(DataOutputStream out, double[][] w) throws IOException {
      for (double[] row : w) {
        for (double x : row) {
          out.writeDouble(x);
        }
      }
    }

    private static double[][] read(DataInputStream in) throws IOException {
      double[][] w = new double[ROWS][VOCAB];
      for (double[] row : w) {
        for (int k = 0; k < VOCAB; k++) {
          row[k] = in.readDouble();
        }
      }
      return w;
    }

    @Override
    public void loadCheckpoint(Path dir) throws IOException {
      long v;
      double[][] w;
      double[][] ref = null;
      try (InputStream i = Files.newInputStream(dir.resolve("tiny.bin")); DataInputStream in = new DataInputStream(i)) {
        v = in.readLong();
        w = read(in);
        if (in.readBoolean()) {
          ref = read(in);
        }
      }
      for (int r = 0; r < ROWS; r++) {
        theta[r] = w[r];
      }
      super.reference = ref;
      super.version = v;
    }
  }
}
