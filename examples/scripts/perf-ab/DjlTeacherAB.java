import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DJL teacher updates and state snapshots of two builds side by side in one JVM: DJL and its
 * engine in one shared class loader (libtorch loads once per JVM), each build's goldilocks jars and
 * DjlTeacherWorker in a child loader. After 2 warm-up updates each, rounds of one update and one
 * snapshot per build, the build that goes first alternating. Prints one JSON object: per build the
 * median update, snapshot and writeState in milliseconds and the fingerprints after all rounds
 * (equal when the builds train alike); the median and quartiles of the per-round update ratio B / A.
 *
 * <p>Usage: DjlTeacherAB rounds sharedClasspath buildAJars buildBJars (class paths, ':'-separated).
 */
public class DjlTeacherAB {
  private static URL[] urls(String classpath, String extra) throws Exception {
    List<URL> urls = new ArrayList<>();
    if (extra != null) {
      urls.add(new File(extra).toURI().toURL());
    }
    for (String p : classpath.split(":")) {
      if (!p.isEmpty()) {
        urls.add(new File(p).toURI().toURL());
      }
    }
    return urls.toArray(new URL[0]);
  }

  public static void main(String[] a) throws Exception {
    int rounds = Integer.parseInt(a[0]);
    ClassLoader shared = new URLClassLoader(urls(a[1], null), ClassLoader.getPlatformClassLoader());
    Thread.currentThread().setContextClassLoader(shared); // DJL finds its engine through the context loader
    String worker = System.getProperty("perfab.worker");
    Class<?>[] w = {new URLClassLoader(urls(a[2], worker), shared).loadClass("DjlTeacherWorker"),
        new URLClassLoader(urls(a[3], worker), shared).loadClass("DjlTeacherWorker")};
    Method[] train = new Method[2];
    Method[] snapshot = new Method[2];
    Method[] write = new Method[2];
    for (int k = 0; k < 2; k++) {
      w[k].getMethod("setup").invoke(null);
      train[k] = w[k].getMethod("train");
      snapshot[k] = w[k].getMethod("snapshot");
      write[k] = w[k].getMethod("writeState");
    }
    for (int i = 0; i < 2; i++) {
      train[0].invoke(null);
      train[1].invoke(null);
    }
    double[][] upd = new double[2][rounds];
    double[][] snap = new double[2][rounds];
    double[][] wr = new double[2][rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < 2; j++) {
        int k = (r + j) % 2;
        snap[k][r] = (Long) snapshot[k].invoke(null) / 1e6;
        upd[k][r] = (Long) train[k].invoke(null) / 1e6;
        wr[k][r] = (Long) write[k].invoke(null) / 1e6;
      }
      ratio[r] = upd[1][r] / upd[0][r];
    }
    String fa = (String) w[0].getMethod("fingerprint").invoke(null);
    String fb = (String) w[1].getMethod("fingerprint").invoke(null);
    for (double[][] m : new double[][][] {upd, snap, wr}) {
      Arrays.sort(m[0]);
      Arrays.sort(m[1]);
    }
    Arrays.sort(ratio);
    int h = rounds / 2;
    System.out.printf("{\"rounds\": %d, \"A\": {\"updateMs\": %.1f, \"snapshotMs\": %.2f, \"writeStateMs\": %.2f, "
        + "\"snapshotPerUpdate\": %.4f, \"fingerprint\": %s}, \"B\": {\"updateMs\": %.1f, \"snapshotMs\": %.2f, "
        + "\"writeStateMs\": %.2f, \"snapshotPerUpdate\": %.4f, \"fingerprint\": %s}, \"sameFingerprint\": %b, "
        + "\"ratioBA.updateMs\": {\"median\": %.3f, \"p25\": %.3f, \"p75\": %.3f}}%n", rounds, upd[0][h], snap[0][h], wr[0][h],
        snap[0][h] / upd[0][h], fa, upd[1][h], snap[1][h], wr[1][h], snap[1][h] / upd[1][h], fb, fa.equals(fb), ratio[h],
        ratio[rounds / 4], ratio[3 * rounds / 4]);
  }
}
