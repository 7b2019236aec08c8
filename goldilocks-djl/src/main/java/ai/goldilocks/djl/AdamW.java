package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with global-norm gradient clipping over a list of parameters. Moments live in the model's
 * manager and are allocated on first use (twice the weights' size: a policy that only samples, or a
 * checkpoint loaded for evaluation, never pays for them); every temporary is attached to the
 * caller's step scope. Updates between {@link #begin} and {@link #commit} can be undone by
 * {@link #rollback} (a teacher's all-or-nothing train).
 */
final class AdamW {
  private final NDManager owner;
  private List<NDArray> params;
  /** Sees the gradients before their norm is taken: a seam for tests, which plant a NaN there; a no-op otherwise. */
  private final java.util.function.Consumer<List<NDArray>> gradientProbe;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  double learningRate;
  final double beta1;
  final double beta2;
  final double eps;
  final double weightDecay;
  final double clipNorm;
  long step;
  /** Whether a transaction ({@link #begin}) is open. */
  private boolean inTransaction;
  /** The step as the open transaction began. */
  private long priorStep;
  /**
   * The moments as the open transaction began, once its first update has replaced them (null
   * before that): the first update writes new arrays instead of updating in place, so these stay
   * intact until {@link #commit} frees them or {@link #rollback} puts them back.
   */
  private List<NDArray> priorM;
  private List<NDArray> priorV;

  AdamW(NDManager owner, List<NDArray> params, double learningRate, double weightDecay, double clipNorm) {
    this(owner, params, learningRate, weightDecay, clipNorm, null);
  }

  /** As the other constructor; {@code gradientProbe} (null: none) sees each step's gradients first (tests). */
  AdamW(NDManager owner, List<NDArray> params, double learningRate, double weightDecay, double clipNorm,
      java.util.function.Consumer<List<NDArray>> gradientProbe) {
    this.params = params;
    this.gradientProbe = gradientProbe != null ? gradientProbe : p -> {};
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

  /** The global L2 norm of the current gradients of this optimizer's parameters, after the probe has seen them. */
  double gradientNorm(NDManager scope) {
    gradientProbe.accept(params);
    return gradNorm(scope, params);
  }

  /**
   * Moves the optimizer onto another copy of the same network (a teacher's weight buffers change
   * roles): the moments and step stay; the gradients of the new parameters are the ones updated.
   */
  void rebind(List<NDArray> sameShapes) {
    if (sameShapes.size() != params.size()) {
      throw new IllegalArgumentException(sameShapes.size() + " parameters for an optimizer of " + params.size());
    }
    for (int i = 0; i < params.size(); i++) {
      if (!sameShapes.get(i).getShape().equals(params.get(i).getShape())) {
        throw new IllegalArgumentException("parameter " + i + " has shape " + sameShapes.get(i).getShape() + ", expected "
            + params.get(i).getShape());
      }
    }
    this.params = sameShapes;
  }

  /**
   * The global L2 norm of the current gradients. Each parameter's squares are freed once summed, so
   * the pass holds at most one gradient-sized array beyond the gradients; the per-parameter sums
   * cross to Java together, in one copy, and are added up in double in parameter order.
   */
  static double gradNorm(NDManager scope, List<NDArray> params) {
    float[] sums;
    try (NDManager temporary = scope.newSubManager()) {
      NDList perParameter = new NDList(params.size());
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        g.attach(temporary);
        NDArray squares = g.square();
        perParameter.add(squares.sum());
        squares.close();
      }
      sums = NDArrays.stack(perParameter).toFloatArray();
    }
    double sq = 0;
    for (float s : sums) {
      sq += s;
    }
    return Math.sqrt(sq);
  }

  /**
   * Clips to {@code clipNorm}, updates, zeroes the gradients. {@code norm} is the current global
   * gradient norm ({@link #gradNorm}), which the caller has already computed to check it.
   *
   * <p>Parameter by parameter, in place where the maths allows, and with each parameter's
   * temporaries freed before the next: holding them for the whole step once cost about twelve
   * copies of the weights (more than 20 GB for a 0.5B model). The step's scalars are arrays made
   * once per update: an operation with a Java number makes and frees a scalar array each time
   * (the same arithmetic, two more engine calls).
   */
  void update(NDManager scope, double norm) {
    double c = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
    allocateMoments();
    // the first update of a transaction keeps the moments it started from (see begin)
    boolean outOfPlace = inTransaction && priorM == null;
    if (outOfPlace) {
      priorM = new ArrayList<>(m);
      priorV = new ArrayList<>(v);
    }
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = 1 - Math.pow(beta2, step);
    try (NDManager scalars = scope.newSubManager()) {
      NDArray clip = scalars.create((float) c);
      NDArray decay1 = scalars.create((float) beta1);
      NDArray keep1 = scalars.create((float) (1 - beta1));
      NDArray decay2 = scalars.create((float) beta2);
      NDArray keep2 = scalars.create((float) (1 - beta2));
      NDArray correction1 = scalars.create((float) bc1);
      NDArray correction2 = scalars.create((float) bc2);
      NDArray epsilon = scalars.create((float) eps);
      NDArray wd = scalars.create((float) weightDecay);
      NDArray lr = scalars.create((float) learningRate);
      for (int i = 0; i < params.size(); i++) {
        NDArray p = params.get(i);
        try (NDManager temporary = scope.newSubManager()) {
          NDArray g = p.getGradient();
          g.attach(temporary);
          NDArray gs = c == 1.0 ? g : g.mul(clip);
          NDArray mi = m.get(i);
          NDArray vi = v.get(i);
          if (outOfPlace) {
            mi = mi.mul(decay1);
            mi.attach(owner);
            m.set(i, mi);
            vi = vi.mul(decay2);
            vi.attach(owner);
            v.set(i, vi);
          } else {
            mi.muli(decay1);
            vi.muli(decay2);
          }
          mi.addi(gs.mul(keep1));
          vi.addi(gs.square().muli(keep2));
          NDArray upd = m.get(i).div(correction1);
          upd.attach(temporary);
          NDArray denom = v.get(i).div(correction2);
          denom.attach(temporary);
          upd.divi(denom.sqrt().addi(epsilon));
          if (weightDecay > 0 && p.getShape().dimension() > 1) {
            NDArray decay = p.mul(wd);
            decay.attach(temporary);
            upd.addi(decay);
          }
          p.subi(upd.muli(lr));
        }
        Ops.zeroGradient(p);
      }
    }
  }

  /**
   * Opens a transaction: the updates until {@link #commit} or {@link #rollback} can be undone. No
   * moments are copied: the first update of the transaction writes its moments to new arrays and
   * keeps the old ones (the same arithmetic, out of place), so a transaction holds at most one
   * more set of moments, and only until it ends.
   */
  void begin() {
    if (inTransaction) {
      throw new IllegalStateException("an optimizer transaction is already open");
    }
    inTransaction = true;
    priorStep = step;
    priorM = null;
    priorV = null;
  }

  /** Keeps the transaction's updates and frees the moments it replaced. */
  void commit() {
    requireTransaction();
    inTransaction = false;
    if (priorM != null) {
      for (int i = 0; i < priorM.size(); i++) {
        priorM.get(i).close();
        priorV.get(i).close();
      }
    }
    priorM = null;
    priorV = null;
  }

  /**
   * Undoes the transaction: the moments and step as it began, its new moments freed, the
   * gradients zeroed (a failure between a backward pass and its update leaves them set).
   */
  void rollback() {
    requireTransaction();
    inTransaction = false;
    step = priorStep;
    if (priorM != null) {
      for (int i = 0; i < priorM.size(); i++) {
        if (m.get(i) != priorM.get(i)) {
          m.get(i).close();
        }
        if (v.get(i) != priorV.get(i)) {
          v.get(i).close();
        }
      }
      m.clear();
      m.addAll(priorM);
      v.clear();
      v.addAll(priorV);
    }
    priorM = null;
    priorV = null;
    zeroGradients();
  }

  private void requireTransaction() {
    if (!inTransaction) {
      throw new IllegalStateException("no optimizer transaction is open");
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
