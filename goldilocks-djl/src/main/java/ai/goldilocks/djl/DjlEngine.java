package ai.goldilocks.djl;

import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The module's one door to DJL's PyTorch engine, which it starts offline. DJL 0.36 downloads
 * engines and, on its first engine start, contacts an outside address unless told not to: this
 * class sets {@code ai.djl.offline=true} and {@code OPT_OUT_TRACKING=true} (as system properties, which DJL reads as well as the environment
 * variables) before any DJL class starts an engine, unless the user has set them explicitly.
 *
 * <p>It also sets one engine default that survives a shared machine: PyTorch's intra-op threads
 * to 1 ({@code ai.djl.pytorch.num_threads}), unless the user has set that property or
 * {@code OMP_NUM_THREADS}. Token-by-token decoding of a small model is dominated by per-operation
 * overhead that thread hand-offs make worse, and busy-waiting worker threads collapse when another
 * process holds the cores (docs/benchmarks.md: 4,100-4,300 tokens/s with 1 thread; 2,300-2,800
 * with 2 on a quiet 2-core machine and 233 while another process used the cores). The setting is
 * made once, before the engine starts, and never changed afterwards; large checkpoints on many
 * cores should set it higher.
 *
 * <p>Every entry point of this module calls {@link #ensureOffline()}; users rarely need to. Through
 * {@link #engine()} the rest of the code reaches the engine: it uses DJL's
 * engine-neutral API, and the PyTorch-specific calls (thread count and per-thread gradient
 * recording here, gradient reset in {@code Ops}) stay in these two small places.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class DjlEngine {
  private static final Logger LOG = LoggerFactory.getLogger(DjlEngine.class);
  private static volatile boolean done;
  /** DJL's system property for PyTorch's intra-op threads, read once when the engine starts. */
  static final String THREADS = "ai.djl.pytorch.num_threads";

  private DjlEngine() {}

  /** Sets the offline properties unless already set by the user; idempotent and thread-safe. */
  public static void ensureOffline() {
    if (done) {
      return;
    }
    synchronized (DjlEngine.class) {
      if (done) {
        return;
      }
      setUnlessPresent("ai.djl.offline", "DJL_OFFLINE", "true");
      setUnlessPresent("OPT_OUT_TRACKING", "OPT_OUT_TRACKING", "true");
      if (System.getProperty(THREADS) == null && System.getenv("OMP_NUM_THREADS") == null) {
        System.setProperty(THREADS, "1");
        LOG.info("PyTorch intra-op threads: 1 (set -D{}=N or OMP_NUM_THREADS before the engine starts for more)", THREADS);
      }
      done = true;
    }
  }

  /** The engine every array of this module lives on (PyTorch), started offline. */
  static ai.djl.engine.Engine engine() {
    ensureOffline();
    return ai.djl.engine.Engine.getEngine("PyTorch");
  }

  /** The engine's default device: a GPU when it reports one, else the CPU. */
  static ai.djl.Device defaultDevice() {
    return engine().defaultDevice();
  }

  /** A gradient collector of {@link #engine()}. */
  static ai.djl.training.GradientCollector newGradientCollector() {
    return engine().newGradientCollector();
  }

  /**
   * Turns gradient recording off in the calling thread until closed, then restores the thread's
   * previous mode. libtorch keeps the mode per thread: DJL turns it off in the thread that starts
   * the engine, but every other thread (a host's worker pool, an HTTP server's threads) starts with
   * recording on, so an inference pass there would build an autograd graph it never uses. Every
   * inference entry point of this module (sampling, scoring, the teacher's predictions) runs
   * inside one.
   */
  static NoGradient noGradient() {
    engine();
    boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
    if (was) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }
    return new NoGradient(was);
  }

  /** Whether the calling thread records gradients (a forward pass without a backward one may take shortcuts). */
  static boolean recordsGradients() {
    engine();
    return ai.djl.pytorch.jni.JniUtils.isGradMode();
  }

  /** The scope of {@link #noGradient()}: closing it restores the thread's mode. */
  record NoGradient(boolean wasRecording) implements AutoCloseable {
    @Override
    public void close() {
      if (wasRecording) {
        ai.djl.pytorch.jni.JniUtils.setGradMode(true);
      }
    }
  }

  /** The engine's intra-op thread count, as it was set when the engine started. */
  public static int intraOpThreads() {
    engine();
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  private static void setUnlessPresent(String property, String env, String value) {
    String p = System.getProperty(property);
    String e = System.getenv(env);
    if (p == null && e == null) {
      System.setProperty(property, value);
    } else if (!value.equalsIgnoreCase(p != null ? p : e)) {
      LOG.warn("{} is set to '{}' by the user: DJL may use the network", property, p != null ? p : e);
    }
  }
}
