import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step (jxen-cli's pom, phase package): raises the class-file version of a dependency's
 * old classes to 52 (Java 8) and adds the stack map frames that version requires, so that the
 * JDK's AOT cache can keep them. JDK 25 refuses to cache classes older than version 50 (they need
 * the old type-inferring verifier; the training run logs "Skipping ...: Old class has been
 * linked"), and picocli ships version 49 (Java 5) classes: about 50 ms of every jxen-run start
 * went to loading, verifying and linking them (docs/PERFORMANCE.md).
 *
 * <p>Nothing else changes: every method's bytecode is compared with the original after the
 * rewrite and the step fails if a single byte differs; module-info and classes already at 50 or
 * later are copied as they are; entry order, names and times are kept. Running it again on its
 * own output changes nothing. The frames come from the JDK's own ClassFile API
 * (java.lang.classfile), with the class hierarchy read from the jar itself.
 *
 * <p>Usage: {@code java tools/UpgradeClassFiles.java JAR...} (JDK 24 or later); rewrites each JAR
 * in place (through a temporary file) and prints one line for each it changed.
 */
public final class UpgradeClassFiles {
    /** The version written: the first that requires stack maps, and that JDK 25's AOT cache keeps. */
    static final int TARGET_MAJOR = ClassFile.JAVA_8_VERSION;
    /** Classes at this version or later are left alone. */
    static final int OLD_BELOW = ClassFile.JAVA_6_VERSION;
    /** The entry that says what was changed. */
    static final String NOTICE = "META-INF/CHANGED-BY-JXEN.txt";

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: java tools/UpgradeClassFiles.java JAR...");
            System.exit(2);
        }
        for (String a : args) {
            Path jar = Path.of(a);
            try {
                String done = upgrade(jar);
                if (done != null) {
                    System.out.println(done);
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("UpgradeClassFiles: " + jar + ": " + e);
                System.exit(1);
            }
        }
    }

    static String upgrade(Path jar) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int upgraded = 0;
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(os)) {
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.ofResourceParsing(desc -> {
                        String d = desc.descriptorString();
                        ZipEntry z = in.getEntry(d.substring(1, d.length() - 1) + ".class");
                        try {
                            return z == null ? null : in.getInputStream(z);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).orElse(ClassHierarchyResolver.defaultResolver())));
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                byte[] b;
                try (InputStream is = in.getInputStream(e)) {
                    b = is.readAllBytes();
                }
                if (e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")) {
                    ClassModel m = cf.parse(b);
                    if (m.majorVersion() < OLD_BELOW) {
                        byte[] nb = cf.transformClass(m, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                                .andThen((cb, el) -> {
                                    if (el instanceof ClassFileVersion) {
                                        cb.withVersion(TARGET_MAJOR, 0);
                                    } else {
                                        cb.with(el);
                                    }
                                }));
                        checkSameCode(e.getName(), m, cf.parse(nb));
                        b = nb;
                        upgraded++;
                    }
                }
                ZipEntry o = new ZipEntry(e.getName());
                o.setTime(e.getTime());
                out.putNextEntry(o);
                out.write(b);
                out.closeEntry();
            }
            if (upgraded > 0) {
                // The notice a modified copy carries (Apache License 2.0, section 4(b)).
                out.putNextEntry(new ZipEntry(NOTICE));
                out.write(("jxen changed this copy: " + upgraded + " class files had their class-file version raised to "
                        + TARGET_MAJOR + " and stack map frames added (tools/UpgradeClassFiles.java in jxen); no"
                        + " instruction was changed.\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (upgraded == 0) {
            Files.delete(tmp);
            return null;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return jar.getFileName() + ": " + upgraded + " class files raised to version " + TARGET_MAJOR
                + " with stack maps (code unchanged), so the AOT cache can keep them";
    }

    /** Every method's instructions, byte for byte, and its exception table, are the original's. */
    static void checkSameCode(String name, ClassModel before, ClassModel after) {
        List<MethodModel> a = before.methods();
        List<MethodModel> b = after.methods();
        if (a.size() != b.size()) {
            throw new IllegalStateException(name + ": method count changed");
        }
        for (int i = 0; i < a.size(); i++) {
            CodeAttribute ca = (CodeAttribute) a.get(i).code().orElse(null);
            CodeAttribute cb = (CodeAttribute) b.get(i).code().orElse(null);
            if ((ca == null) != (cb == null)) {
                throw new IllegalStateException(name + ": " + a.get(i).methodName() + " gained or lost its code");
            }
            if (ca != null && (!Arrays.equals(ca.codeArray(), cb.codeArray())
                    || ca.exceptionHandlers().size() != cb.exceptionHandlers().size()
                    || ca.maxLocals() != cb.maxLocals())) {
                throw new IllegalStateException(name + ": the code of " + a.get(i).methodName().stringValue()
                        + a.get(i).methodType().stringValue() + " would change");
            }
        }
    }

    private UpgradeClassFiles() {}
}
