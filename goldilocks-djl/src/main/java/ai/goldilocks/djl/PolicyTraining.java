package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.goldilocks.grpo.Policy.Coefficients;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.TrainStats;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The training half of {@link TransformerPolicy}: one optimizer step through the per-token
 * coefficients, in one pass or in micro-batches whose gradients add up, a refused step (a
 * non-finite log-probability, coefficient or gradient) leaving the weights as they were.
 */
final class PolicyTraining {
  private final Network model;
  private final TextTokenizer tokenizer;
  private final AdamW optimizer;
  private final int microBatchSize;

  PolicyTraining(Network model, TextTokenizer tokenizer, AdamW optimizer, int microBatchSize) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.optimizer = optimizer;
    this.microBatchSize = microBatchSize;
  }

  /** Log-probabilities of the completion tokens under {@code m}, packed for this policy's model. */
  double[][] logProbs(Network m, List<Sequence> sequences, double temperature) {
    Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences);
    try (DjlEngine.NoGradient off = DjlEngine.noGradient(); NDManager scope = model.manager.newSubManager()) {
      return Scoring.completionValues(Scoring.tokenLogProbs(m, scope, batch, temperature, false)[0].toFloatArray(), batch);
    }
  }

  /** One optimizer step; recording is on only inside the gradient collector, also on threads that record by default. */
  TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    Objects.requireNonNull(coefficients, "coefficients");
    try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
      if (microBatchSize > 0 && sequences.size() > microBatchSize) {
        return trainAccumulated(sequences, temperature, coefficients);
      }
      return trainInOnePass(sequences, temperature, coefficients);
    }
  }

  private TrainStats trainInOnePass(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences);
    DjlTraining.LOCK.lock();
    try (NDManager scope = model.manager.newSubManager()) {
      double entropy;
      long tokens;
      try (GradientCollector gc = DjlEngine.newGradientCollector()) {
        NDArray[] r = Scoring.tokenLogProbs(model, scope, batch, temperature, true);
        double[][] lp = Scoring.completionValues(r[0].toFloatArray(), batch);
        double[][] ent = Scoring.completionValues(r[1].toFloatArray(), batch);
        Scoring.checkFinite(lp, "log-prob", 0);
        tokens = Scoring.count(lp);
        entropy = tokens == 0 ? Double.NaN : Scoring.sum(ent) / tokens;
        float[] coef = Scoring.coefficientArray(coefficients.of(lp), batch, 0, batch.b());
        gc.backward(r[0].mul(scope.create(coef, new Shape(batch.b(), batch.w()))).sum());
      } catch (RuntimeException e) {
        optimizer.zeroGradients();
        throw e;
      }
      return applyUpdate(scope, tokens, entropy);
    } finally {
      DjlTraining.LOCK.unlock();
    }
  }

  private TrainStats trainAccumulated(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    // the coefficients need every log-prob of the batch: one pass without gradients first, by micro-batch
    double[][] all = new double[sequences.size()][];
    for (int from = 0; from < sequences.size(); from += microBatchSize) {
      int to = Math.min(sequences.size(), from + microBatchSize);
      double[][] part = logProbs(model, sequences.subList(from, to), temperature);
      System.arraycopy(part, 0, all, from, part.length);
    }
    Scoring.checkFinite(all, "log-prob", 0);
    double[][] c = coefficients.of(all);
    if (c == null || c.length != sequences.size()) {
      throw new IllegalArgumentException("coefficients must have " + sequences.size() + " rows");
    }
    DjlTraining.LOCK.lock();
    try (NDManager scope = model.manager.newSubManager()) {
      long tokens = Scoring.count(all);
      double entSum = 0;
      try {
        for (int from = 0; from < sequences.size(); from += microBatchSize) {
          int to = Math.min(sequences.size(), from + microBatchSize);
          Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences.subList(from, to));
          try (NDManager micro = scope.newSubManager(); GradientCollector gc = DjlEngine.newGradientCollector()) {
            NDArray[] r = Scoring.tokenLogProbs(model, micro, batch, temperature, true);
            entSum += Scoring.sum(Scoring.completionValues(r[1].toFloatArray(), batch));
            float[] coef = Scoring.coefficientArray(Arrays.copyOfRange(c, from, to), batch, from, batch.b());
            gc.backward(r[0].mul(micro.create(coef, new Shape(batch.b(), batch.w()))).sum());
          }
        }
      } catch (RuntimeException e) {
        optimizer.zeroGradients();
        throw e;
      }
      return applyUpdate(scope, tokens, tokens == 0 ? Double.NaN : entSum / tokens);
    } finally {
      DjlTraining.LOCK.unlock();
    }
  }

  private TrainStats applyUpdate(NDManager scope, long tokens, double entropy) {
    double norm = optimizer.gradientNorm(scope);
    if (!Double.isFinite(norm)) {
      optimizer.zeroGradients();
      throw new IllegalArgumentException("gradient norm is " + norm + "; no update applied");
    }
    optimizer.update(scope, norm);
    return new TrainStats(norm, optimizer.clipNorm > 0 && norm > optimizer.clipNorm, tokens, entropy);
  }

  /**
   * The coefficients of a supervised step: minus one over the number of completion tokens for every
   * token, so the step minimises the mean negative log-likelihood; {@code loss} receives that mean.
   */
  static Coefficients meanNegativeLogLikelihood(double[] loss) {
    return lp -> {
      long n = 0;
      double s = 0;
      for (double[] row : lp) {
        n += row.length;
        for (double x : row) {
          s += x;
        }
      }
      loss[0] = n == 0 ? 0 : -s / n;
      double[][] c = new double[lp.length][];
      for (int i = 0; i < lp.length; i++) {
        c[i] = new double[lp[i].length];
        Arrays.fill(c[i], n == 0 ? 0 : -1.0 / n);
      }
      return c;
    };
  }
}
