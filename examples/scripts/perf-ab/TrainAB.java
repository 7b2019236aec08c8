import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Teacher updates alone (Worker.train: window 4096, 3 epochs), side by side: two builds in one JVM,
 * each in its own class loader, chunks of 5 updates alternating (the build that goes first alternates
 * too) after a warm-up. Prints one JSON object: each build's median update in milliseconds and the
 * median and quartiles of the per-round ratio B / A. Finer than Driver's updateMs, which shares its
 * rounds with the pick loops.
 *
 * <p>Usage: TrainAB questions rounds buildA buildB (a build: a folder with lib/*.jar, optionally followed by
 * {@code @later=512,epochs=2}: how its teacher trains).
 */
public class TrainAB {
  private static Method train(String build) throws Exception {
    List<URL> urls = new ArrayList<>();
    urls.add(new File(System.getProperty("perfab.worker")).toURI().toURL());
    for (File f : new File(build.split("@", 2)[0], "lib").listFiles((d, name) -> name.endsWith(".jar"))) {
      urls.add(f.toURI().toURL());
    }
    Class<?> w = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader()).loadClass("Worker");
    return w.getMethod("train", int.class);
  }

  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]);
    int rounds = Integer.parseInt(a[1]);
    Method[] t = {train(a[2]), train(a[3])};
    for (int v = 0; v < 2; v++) {
      // BUILD@later=512,epochs=2: that build's teacher trains so (Worker.setup reads perfab.teacher)
      String[] spec = a[2 + v].split("@", 2);
      System.setProperty("perfab.teacher", spec.length > 1 ? spec[1] : "");
      t[v].getDeclaringClass().getMethod("setup", int.class).invoke(null, n);
    }
    for (int i = 0; i < 3; i++) {
      t[0].invoke(null, 5);
      t[1].invoke(null, 5);
    }
    double[][] ms = new double[2][rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int v = (r + k) % 2;
        ms[v][r] = (Long) t[v].invoke(null, 5) / 5e6;
      }
      ratio[r] = ms[1][r] / ms[0][r];
    }
    Arrays.sort(ms[0]);
    Arrays.sort(ms[1]);
    Arrays.sort(ratio);
    System.out.printf("{\"questions\": %d, \"rounds\": %d, \"A.updateMs\": %.3f, \"B.updateMs\": %.3f, "
        + "\"ratioBA.updateMs\": {\"median\": %.3f, \"p25\": %.3f, \"p75\": %.3f}}%n", n, rounds, ms[0][rounds / 2],
        ms[1][rounds / 2], ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
  }
}
