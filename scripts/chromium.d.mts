/** Command-line flags for Chromium. */
export declare const chromiumArgs: string[];
/** The Chromium binary: Debian's by default, or $CHROMIUM_PATH. */
export declare const chromiumPath: string;
