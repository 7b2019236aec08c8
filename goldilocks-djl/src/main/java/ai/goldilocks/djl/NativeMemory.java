package ai.goldilocks.djl;

import java.util.Locale;

/**
 * Hands memory the engine has freed back to the operating system. glibc keeps freed blocks in its
 * arenas: after a prompt pass of 8 x 32 positions through a 0.5B model (about 1 GB allocated for a
 * moment) the process stayed 1 GB larger for good (docs/benchmarks.md). {@code malloc_trim(0)}
 * returns that memory; elsewhere (another C library, another system) this does nothing.
 */
final class NativeMemory {
  /** The one function of the C library used here. */
  interface LibC extends com.sun.jna.Library {
    int malloc_trim(long pad);
  }

  private static final LibC LIBC = load();
  private static volatile boolean available = LIBC != null;

  private NativeMemory() {}

  private static LibC load() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    try {
      return com.sun.jna.Native.load("c", LibC.class);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return null;
    }
  }

  /** Returns freed memory to the system; false where the C library offers no way to. */
  static boolean release() {
    if (!available) {
      return false;
    }
    try {
      LIBC.malloc_trim(0);
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      available = false; // not glibc: no malloc_trim
      return false;
    }
  }
}
