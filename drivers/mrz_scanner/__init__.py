"""Serial MRZ scanners: framing codecs (pure), an incremental read assembler, the driver."""
