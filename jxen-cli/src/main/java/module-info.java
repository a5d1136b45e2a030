/** jxen's commands: {@code jxen-run} (one VM in the foreground), later {@code xl}. */
module org.jxen.cli {
    requires org.jxen.vmm;
    requires org.jxen.toolstack;
    requires info.picocli;
    requires jdk.unsupported;
    opens org.jxen.cli.run to info.picocli;
    exports org.jxen.cli.run;
    provides java.lang.System.LoggerFinder with org.jxen.cli.run.StderrLoggerFinder;
}
