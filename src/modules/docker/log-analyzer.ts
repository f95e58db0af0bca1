/**
 * The log analyzer the docker module shares with the system module
 * (src/modules/system/logs-analyzer.ts, `analyzeLogLines(lines)`), seen through
 * the smallest interface this module needs: lines in, a summary object out.
 */
export type AnalyzeLogLines = (lines: string[]) => unknown;

/**
 * TODO(merge): wire the system module's analyzer here, i.e.
 *   import { analyzeLogLines } from '../system/logs-analyzer.ts';
 *   export const sharedLogAnalyzer: AnalyzeLogLines | undefined = analyzeLogLines;
 * Until then docker_container_logs_analyze answers with a clear "not available" error.
 */
export const sharedLogAnalyzer: AnalyzeLogLines | undefined = undefined;
