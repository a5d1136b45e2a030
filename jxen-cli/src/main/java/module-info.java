/** jxen's commands: {@code jxen-run} (one VM in the foreground), the {@code xl} command table and {@code jxend}'s main. */
module org.jxen.cli {
    requires org.jxen.vmm;
    requires org.jxen.toolstack;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires jdk.unsupported;
    opens org.jxen.cli.run to info.picocli;
    exports org.jxen.cli.run;
    exports org.jxen.cli.xl;
    exports org.jxen.cli.jxend;
    opens org.jxen.cli.jxend to info.picocli;
    provides java.lang.System.LoggerFinder with org.jxen.cli.run.StderrLoggerFinder;
}
