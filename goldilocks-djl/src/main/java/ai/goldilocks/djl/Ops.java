package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Element-wise operations with constants, safe under autograd.
 *
 * <p>DJL's {@code NDArray.mul(Number)} (and {@code add}, {@code sub}, {@code div}, {@code pow})
 * wraps the number in a temporary array backed by a Java direct buffer and closes it as soon as
 * the operation returns. Autograd saves that array for the backward pass (the derivative of
 * {@code x * c} needs {@code c}); once the closed array's buffer is garbage-collected, the backward
 * reads freed memory and gradients become garbage or NaN, depending on when the collector ran.
 * Here every constant is created in the manager of the array it combines with (the caller's step
 * scope), so it lives until that scope closes, after the backward pass.
 */
final class Ops {
  private Ops() {}

  /** A float scalar in the manager of {@code like}. */
  static NDArray constant(NDArray like, float value) {
    return like.getManager().create(value);
  }

  static NDArray mul(NDArray x, float c) {
    return x.mul(constant(x, c));
  }

  static NDArray div(NDArray x, float c) {
    return x.div(constant(x, c));
  }

  static NDArray add(NDArray x, float c) {
    return x.add(constant(x, c));
  }

  /** The engine's sigmoid, one fused call whose backward is finite for any finite input. */
  static NDArray sigmoid(NDArray x) {
    return x.getNDArrayInternal().sigmoid();
  }

  /** SiLU, x * sigmoid(x). */
  static NDArray silu(NDArray x) {
    return x.mul(sigmoid(x));
  }

  /**
   * Sets a parameter's gradient to zero with a real fill. Subtracting the gradient from itself
   * leaves NaN where it was NaN or infinite, so one bad step would poison every later one.
   */
  static void zeroGradient(NDArray parameter) {
    if (parameter instanceof PtNDArray pt) {
      JniUtils.zeroGrad(pt);
      return;
    }
    throw new IllegalStateException("gradients can be cleared on the PyTorch engine only, not " + parameter.getClass().getName());
  }
}
