package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with global-norm gradient clipping over a list of parameters. Moments live in the model's
 * manager and are allocated on first use (twice the weights' size: a policy that only samples, or a
 * checkpoint loaded for evaluation, never pays for them); every temporary is attached to the
 * caller's step scope.
 */
final class AdamW {
  private final NDManager owner;
  private final List<NDArray> params;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  double learningRate;
  final double beta1;
  final double beta2;
  final double eps;
  final double weightDecay;
  final double clipNorm;
  long step;

  AdamW(NDManager owner, List<NDArray> params, double learningRate, double weightDecay, double clipNorm) {
    this.params = params;
    this.learningRate = learningRate;
    this.beta1 = 0.9;
    this.beta2 = 0.999;
    this.eps = 1e-8;
    this.weightDecay = weightDecay;
    this.clipNorm = clipNorm;
    this.owner = owner;
  }

  private void allocateMoments() {
    if (m.isEmpty()) {
      for (NDArray p : params) {
        m.add(owner.zeros(p.getShape()));
        v.add(owner.zeros(p.getShape()));
      }
    }
  }

  /** The global L2 norm of the current gradients. */
  static double gradNorm(NDManager scope, List<NDArray> params) {
    double sq = 0;
    for (NDArray p : params) {
      NDArray g = p.getGradient();
      g.attach(scope);
      sq += g.mul(g).sum().getFloat();
    }
    return Math.sqrt(sq);
  }

  /**
   * Clips to {@code clipNorm}, updates, zeroes the gradients. {@code norm} is the current global
   * gradient norm ({@link #gradNorm}), which the caller has already computed to check it.
   */
  void update(NDManager scope, double norm) {
    double c = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
    allocateMoments();
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = 1 - Math.pow(beta2, step);
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i);
      NDArray g = p.getGradient();
      g.attach(scope);
      NDArray gs = g.mul((float) c);
      m.get(i).muli((float) beta1).addi(gs.mul((float) (1 - beta1)));
      v.get(i).muli((float) beta2).addi(gs.mul(gs).mul((float) (1 - beta2)));
      NDArray mhat = m.get(i).div((float) bc1);
      mhat.attach(scope);
      NDArray vhat = v.get(i).div((float) bc2);
      vhat.attach(scope);
      NDArray upd = mhat.div(vhat.sqrt().add((float) eps));
      if (weightDecay > 0 && p.getShape().dimension() > 1) {
        NDArray decay = p.mul((float) weightDecay);
        decay.attach(scope);
        upd = upd.add(decay);
      }
      p.subi(upd.mul((float) learningRate));
      Ops.zeroGradient(p);
    }
  }

  /** Zeroes the gradients without updating (after a rejected step), NaN and infinities included. */
  void zeroGradients() {
    for (NDArray p : params) {
      Ops.zeroGradient(p);
    }
  }

  /** The first moments, one per parameter (allocated now if no update has run). */
  List<NDArray> firstMoments() {
    allocateMoments();
    return m;
  }

  /** The second moments, one per parameter (allocated now if no update has run). */
  List<NDArray> secondMoments() {
    allocateMoments();
    return v;
  }
}
