/** One step of a remediation, as the alert's log, notifications and listeners see it. */
export interface RemediationStep {
  state: 'approval_needed' | 'ran' | 'failed' | 'refused' | 'recovered' | 'gave_up' | 'stopped' | 'skipped';
  tool: string;
  /** Runs made so far, and the rule's limit. */
  attempt: number;
  attempts: number;
  message: string;
  approval_id?: string;
  approval_url?: string;
}
