package ai.goldilocks.examples.integration;

// snippet:start custom-policy
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.StepMetrics;
import java.util.List;

// snippet:end
import ai.goldilocks.core.Question;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.Policy;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.TrainStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Case (b) of docs/integrating.md: your own model behind the {@link Policy} interface, trained by
 * {@link GrpoTrainer}. The "model" here is a table of logits per prompt over one-token answers
 * (digits), trained by plain gradient descent: the point is the contract, not the model. Its
 * {@code train} receives its own log-probabilities, asks for the per-token coefficients
 * (d loss / d logprob from goldilocks-core) and applies the chain rule through its softmax.
 */
public final class CustomPolicyExample {
  private CustomPolicyExample() {}

  /** A softmax over the digits 0-9 per prompt: token id = digit. */
  static final class TablePolicy implements Policy {
    private final Map<String, double[]> logits = new HashMap<>();
    private final double learningRate;
    private long version;

    TablePolicy(double learningRate) {
      this.learningRate = learningRate;
    }

    private double[] row(int[] prompt) {
      return logits.computeIfAbsent(decode(prompt), k -> new double[10]);
    }

    private static double[] logSoftmax(double[] z) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double s = 0;
      for (double v : z) {
        s += Math.exp(v - max);
      }
      double lse = max + Math.log(s);
      double[] out = new double[z.length];
      for (int i = 0; i < z.length; i++) {
        out[i] = z[i] - lse;
      }
      return out;
    }

    @Override
    public int[] encode(String text) {
      return text.chars().toArray();
    }

    @Override
    public String decode(int[] tokens) {
      return new String(tokens, 0, tokens.length);
    }

    @Override
    public List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed) {
      Random rnd = new Random(seed);
      int[] p = encode(prompt);
      double[] lp = logSoftmax(row(p));
      List<Completion> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double u = rnd.nextDouble();
        int tok = 9;
        double c = 0;
        for (int d = 0; d < 10; d++) {
          c += Math.exp(lp[d]);
          if (u < c) {
            tok = d;
            break;
          }
        }
        out.add(new Completion(new Sequence(p, new int[] {tok}), new double[] {lp[tok]}, Integer.toString(tok), false));
      }
      return out;
    }

    @Override
    public double[][] logProbs(List<Sequence> sequences, double temperature) {
      double[][] out = new double[sequences.size()][];
      for (int i = 0; i < out.length; i++) {
        Sequence s = sequences.get(i);
        out[i] = new double[] {logSoftmax(row(s.prompt()))[s.completion()[0]]};
      }
      return out;
    }

    @Override
    public TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients) {
      double[][] c = coefficients.of(logProbs(sequences, temperature));
      Map<String, double[]> grads = new HashMap<>();
      for (int i = 0; i < c.length; i++) {
        Sequence s = sequences.get(i);
        double[] z = row(s.prompt());
        double[] p = logSoftmax(z);
        double[] g = grads.computeIfAbsent(decode(s.prompt()), k -> new double[10]);
        int tok = s.completion()[0];
        for (int d = 0; d < 10; d++) {
          // d logp(tok) / d z_d = [d == tok] - softmax_d
          g[d] += c[i][0] * ((d == tok ? 1 : 0) - Math.exp(p[d]));
        }
      }
      double norm = 0;
      for (Map.Entry<String, double[]> e : grads.entrySet()) {
        double[] z = logits.get(e.getKey());
        for (int d = 0; d < 10; d++) {
          norm += e.getValue()[d] * e.getValue()[d];
          z[d] -= learningRate * e.getValue()[d];
        }
      }
      version++;
      return new TrainStats(Math.sqrt(norm), false, sequences.size(), Double.NaN);
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public void close() {}
  }

  /** Trains the table policy on "a+b" with one-digit answers; returns the last step's metrics. */
  public static StepMetrics run(int steps) throws Exception {
    List<Question> qs = new ArrayList<>();
    for (int a = 0; a < 10; a++) {
      for (int b = 0; a + b < 10; b++) {
        qs.add(new Question(a + "+" + b, a + "+" + b, Map.of("answer", Integer.toString(a + b))));
      }
    }
    // snippet:start custom-policy
    QuestionPool pool = QuestionPool.of(qs);
    try (TablePolicy policy = new TablePolicy(20.0);               // your Policy
        GoldilocksSampler sampler = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build())
            .updateEvery(16).window(256).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      GrpoTrainer trainer = GrpoTrainer.builder(policy, sampler,
              (q, c) -> c.text().equals(q.metadata().get("answer")) ? 1.0 : 0.0)   // your RewardFunction
          .batchSize(8).groupSize(8).objective(GrpoObjective.builder().build()).build();
      List<StepMetrics> ms = trainer.run(steps, null);
      return ms.get(ms.size() - 1);
    }
    // snippet:end
  }

  /** Prints the final step's metrics. */
  public static void main(String[] args) throws Exception {
    System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 60).toJson());
  }
}
