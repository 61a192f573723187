"""Every rule the domain refuses, as one exception tree with stable codes.

DomainError                         (code)                      HTTP at the edge
├── NotFound                        not_found                   404
│   ├── CollectiveNotFound          collective_not_found
│   ├── MemberNotFound              member_not_found
│   ├── AccountNotFound             account_not_found
│   ├── TransferNotFound            transfer_not_found
│   ├── ListingNotFound             listing_not_found
│   ├── OrderNotFound               order_not_found
│   ├── QuoteNotFound               quote_not_found
│   ├── ApplicationNotFound         application_not_found
│   ├── DisputeNotFound             dispute_not_found
│   ├── ProposalNotFound            proposal_not_found
│   ├── ServiceNotFound             service_not_found
│   ├── ClaimNotFound               claim_not_found
│   ├── BudgetRoundNotFound         budget_round_not_found
│   ├── ProjectNotFound             project_not_found  (a budget round's project)
│   ├── EstimateNotFound            estimate_not_found  (a what-if run: gone, or another's)
│   ├── GoodNotFound                good_not_found      (supply chains)
│   ├── RecipeNotFound              recipe_not_found
│   ├── ChainPlanNotFound           chain_plan_not_found
│   ├── ChainLinkNotFound           chain_link_not_found
│   ├── LinkNotFound                link_not_found  (a federation link, issue 17)
│   ├── CrossPaymentNotFound        cross_payment_not_found
│   ├── EnterpriseNotFound          enterprise_not_found
│   ├── ContractNotFound            contract_not_found
│   ├── HoursNotFound               hours_not_found
│   ├── PeriodNotFound              period_not_found  (an enterprise's pay period)
│   └── InvitationNotFound          invitation_not_found  (to join a co-operative)
├── Unauthenticated                 not_authenticated           401
│   └── InvalidCredentials          invalid_credentials
├── Forbidden                       forbidden                   403
│   ├── NotAMember                  not_a_member
│   ├── NotAllowed                  not_allowed
│   ├── NotTheOwner                 not_the_owner   (a listing's owner, a task's poster)
│   ├── NotTheSeller                not_the_seller  (the seller, or a task's worker)
│   ├── NotTheBuyer                 not_the_buyer   (the buyer, or a task's poster)
│   ├── NotAParty                   not_a_party
│   ├── NotAJuror                   not_a_juror
│   ├── JurorLeft                   juror_left      (left the collective before voting)
│   ├── NotEligible                 not_eligible    (joined after the proposal or round opened)
│   ├── NotTheAuthor                not_the_author
│   ├── NotAProvider                not_a_provider
│   ├── NotTheRecipient             not_the_recipient
│   ├── NotTheProducer              not_the_producer  (a recipe's producer)
│   ├── NotYourLink                 not_your_link     (a chain link is its producer's to decide)
│   ├── NotTheRequester             not_the_requester (a chain plan is its requester's to cancel)
│   ├── MessageRefused              message_refused  (a server message: tampered, replayed, stale)
│   └── NotPermitted                not_permitted   (no role in the enterprise grants it)
├── Conflict                        conflict                    409
│   ├── IdempotencyKeyReused        idempotency_key_reused
│   ├── SlugTaken                   slug_taken
│   ├── EmailTaken                  email_taken
│   ├── AlreadyMember               already_member
│   ├── TransferSettledByOwner      transfer_settled_by_owner  (an order's or task's escrow)
│   ├── InvalidTransition           invalid_transition
│   │   ├── BiddingClosed           bidding_closed
│   │   ├── BiddingStillOpen        bidding_still_open
│   │   ├── PeriodNotOver           period_not_over
│   │   ├── ProposalClosed          proposal_closed
│   │   ├── ServiceEnded            service_ended
│   │   ├── BudgetRoundClosed       budget_round_closed
│   │   ├── BudgetRoundNotClosed    budget_round_not_closed  (no result yet)
│   │   └── LinkClosed              link_closed  (a chain link already decided, or replaced)
│   ├── RoundInProgress             round_in_progress
│   ├── ConcurrentChange            concurrent_change  (two requests raced for one row)
│   ├── ListingClosed               listing_closed
│   ├── AlreadyApplied              already_applied
│   ├── AlreadyQuoted               already_quoted
│   ├── AlreadyDisputed             already_disputed
│   ├── AlreadyVoted                already_voted
│   ├── AlreadyReviewed             already_reviewed
│   ├── AlreadyProvider             already_provider
│   ├── LevyRateChanged             levy_rate_changed (a vote changed it mid-payment: retry)
│   └── GoodExists                  good_exists  (a good of that name in the collective)
├── TooManyAttempts                 too_many_login_attempts     429 (with Retry-After)
│   └── TooManySimulations          too_many_simulations
├── Unavailable                     service_unavailable         503 (with Retry-After)
│   ├── SimulatorBusy               simulator_busy
│   ├── StorageUnavailable          storage_unavailable (disk full, database locked or read-only)
│   ├── PeerUnreachable             peer_unreachable  (a linked server did not answer)
│   └── IssuerUnreachable           issuer_unreachable  (a signer's keys cannot be fetched)
└── RuleViolation                   rule_violation              422
    ├── InvalidValue                invalid_value
    │   ├── InvalidParams           invalid_params  (a proposal's params, with ``field``)
    │   └── IdempotencyKeyRequired  idempotency_key_required  (a money-moving request without one)
    ├── CreditLimitExceeded         credit_limit_exceeded
    ├── DebtOutstanding             debt_outstanding
    ├── HoldsOutstanding            holds_outstanding  (leaving while money is held)
    ├── AmountOutOfRange            amount_out_of_range
    ├── SelfTransfer                self_transfer
    ├── PayeeNotAMember             payee_not_a_member  (names who would be paid)
    ├── CurrencyMismatch            currency_mismatch
    ├── CommonsNotForSale           commons_not_for_sale
    ├── CommonsNotEnabled           commons_not_enabled
    ├── AssetUnavailable            asset_unavailable
    ├── OutputNotServed             output_not_served
    ├── UsageExceedsShare           usage_exceeds_share
    ├── InsufficientQuantity        insufficient_quantity
    ├── OwnListing                  own_listing
    ├── WrongListingKind            wrong_listing_kind
    ├── UnknownCategory             unknown_category
    ├── NoJuryAvailable             no_jury_available
    ├── ClaimExceedsBudget          claim_exceeds_budget
    ├── SimulationTooLarge          simulation_too_large
    ├── NoTradeToCalibrate          no_trade_to_calibrate  (a policy estimate without trade)
    ├── CalibrationMismatch         calibration_mismatch  (the simulated baseline misses)
    ├── ChainInfeasible             chain_infeasible  (with the ``shortfall``: good, units)
    ├── OverBudget                  over_budget       (the chain's cost and the budget)
    ├── LinkNotActive               link_not_active  (suspended, closing, not yet agreed)
    ├── LinkLimitExceeded           link_limit_exceeded
    ├── CrossPaymentRefused         cross_payment_refused  (the peer refused it: nothing moved)
    ├── SignatureInvalid            signature_invalid  (a signed document altered or forged)
    ├── UnknownKey                  unknown_key  (signed by a key its issuer does not list)
    ├── ExportNotYours              export_not_yours  (a history export of someone else)
    └── CapitalNotAllowed           capital_not_allowed  (enterprise capital under commons)

Later capabilities add their own leaves under the same seven branches; the edge maps
branches, so a new leaf needs no change there.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every rule the domain refuses."""

    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Request refused"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class CollectiveNotFound(NotFound):
    code = "collective_not_found"
    title = "Collective not found"


class MemberNotFound(NotFound):
    code = "member_not_found"
    title = "Member not found"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"


class TransferNotFound(NotFound):
    code = "transfer_not_found"
    title = "Transfer not found"


class Unauthenticated(DomainError):
    code = "not_authenticated"
    title = "Not authenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = "Invalid email or password"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class NotAMember(Forbidden):
    code = "not_a_member"
    title = "Not a member of this collective"


class NotAllowed(Forbidden):
    code = "not_allowed"
    title = "Not allowed"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "Idempotency key reused with a different request"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Slug already taken"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Email already registered"


class AlreadyMember(Conflict):
    code = "already_member"
    title = "Already a member"


class TransferSettledByOwner(Conflict):
    """The transfer backs an obligation (an order's or a task's escrow); only it settles it."""

    code = "transfer_settled_by_owner"
    title = "Settled only by the deal it backs"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Not possible in the current state"


class ConcurrentChange(Conflict):
    code = "concurrent_change"
    title = "Changed at the same moment by another request"


class TooManyAttempts(DomainError):
    code = "too_many_login_attempts"
    title = "Too many failed attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int, **context: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **context)
        self.retry_after_seconds = retry_after_seconds


class TooManySimulations(TooManyAttempts):
    code = "too_many_simulations"
    title = "Too many simulations at once"


class Unavailable(DomainError):
    """Nothing wrong with the request: the server cannot do it now; try again later."""

    code = "service_unavailable"
    title = "Temporarily unavailable"

    def __init__(self, detail: str, *, retry_after_seconds: int, **context: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **context)
        self.retry_after_seconds = retry_after_seconds


class SimulatorBusy(Unavailable):
    code = "simulator_busy"
    title = "The simulator is busy"


class StorageUnavailable(Unavailable):
    code = "storage_unavailable"
    title = "Storage unavailable"


class RuleViolation(DomainError):
    code = "rule_violation"
    title = "Rule violated"


class InvalidValue(RuleViolation):
    code = "invalid_value"
    title = "Invalid value"


class IdempotencyKeyRequired(InvalidValue):
    """A request that moves money came without an ``Idempotency-Key``."""

    code = "idempotency_key_required"
    title = "Idempotency-Key header required"


class CreditLimitExceeded(RuleViolation):
    code = "credit_limit_exceeded"
    title = "Credit limit exceeded"


class DebtOutstanding(RuleViolation):
    code = "debt_outstanding"
    title = "Balance is negative"


class HoldsOutstanding(RuleViolation):
    code = "holds_outstanding"
    title = "Money is still held"


class AmountOutOfRange(RuleViolation):
    code = "amount_out_of_range"
    title = "Amount out of range"


class SelfTransfer(RuleViolation):
    code = "self_transfer"
    title = "Cannot pay yourself"


class PayeeNotAMember(RuleViolation):
    """The person to be paid (a payee, a task's worker, a quote's author) is not an active member.

    Not ``not_a_member`` (403), which is about the caller: the caller did nothing wrong.
    """

    code = "payee_not_a_member"
    title = "The payee is not a member of this collective"


class CurrencyMismatch(RuleViolation):
    code = "currency_mismatch"
    title = "Currencies differ"


class CommonsNotForSale(RuleViolation):
    code = "commons_not_for_sale"
    title = "The commons is not for sale"


# --- the commons (assets, allocation rounds, bids, usage) ---------------------------------------


class AssetNotFound(NotFound):
    code = "asset_not_found"
    title = "Asset not found"


class RoundNotFound(NotFound):
    code = "round_not_found"
    title = "Allocation round not found"


class BidNotFound(NotFound):
    code = "bid_not_found"
    title = "Bid not found"


class AllocationNotFound(NotFound):
    code = "allocation_not_found"
    title = "Allocation not found"


class BiddingClosed(InvalidTransition):
    code = "bidding_closed"
    title = "Bidding has closed for this round"


class BiddingStillOpen(InvalidTransition):
    code = "bidding_still_open"
    title = "Bidding is still open for this round"


class PeriodNotOver(InvalidTransition):
    code = "period_not_over"
    title = "The round's period has not ended"


class RoundInProgress(Conflict):
    code = "round_in_progress"
    title = "Another allocation round is in progress"


class CommonsNotEnabled(RuleViolation):
    code = "commons_not_enabled"
    title = "This collective holds no commons"


class AssetUnavailable(RuleViolation):
    code = "asset_unavailable"
    title = "Asset not available"


class OutputNotServed(RuleViolation):
    code = "output_not_served"
    title = "The asset does not serve this output"


class UsageExceedsShare(RuleViolation):
    code = "usage_exceeds_share"
    title = "More use logged than the share received"


# --- market (issue 3) ---


class ListingNotFound(NotFound):
    code = "listing_not_found"
    title = "Listing not found"


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = "Order not found"


class QuoteNotFound(NotFound):
    code = "quote_not_found"
    title = "Quote not found"


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    title = "Application not found"


class DisputeNotFound(NotFound):
    code = "dispute_not_found"
    title = "Dispute not found"


class NotTheOwner(Forbidden):
    code = "not_the_owner"
    title = "Only the owner may do this"


class NotTheSeller(Forbidden):
    code = "not_the_seller"
    title = "Only the seller may do this"


class NotTheBuyer(Forbidden):
    code = "not_the_buyer"
    title = "Only the buyer may do this"


class NotAParty(Forbidden):
    code = "not_a_party"
    title = "Only the parties to this deal may do this"


class NotAJuror(Forbidden):
    code = "not_a_juror"
    title = "Only a juror of this dispute may vote"


class JurorLeft(Forbidden):
    code = "juror_left"
    title = "You left the collective, so you no longer sit on this jury"


class ListingClosed(Conflict):
    code = "listing_closed"
    title = "Listing closed"


class AlreadyApplied(Conflict):
    code = "already_applied"
    title = "Already applied"


class AlreadyQuoted(Conflict):
    code = "already_quoted"
    title = "Already quoted"


class AlreadyDisputed(Conflict):
    code = "already_disputed"
    title = "Already disputed"


class AlreadyVoted(Conflict):
    code = "already_voted"
    title = "Already voted"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    title = "Already reviewed"


class InsufficientQuantity(RuleViolation):
    code = "insufficient_quantity"
    title = "Not enough in stock"


class OwnListing(RuleViolation):
    code = "own_listing"
    title = "Cannot trade with your own listing"


class WrongListingKind(RuleViolation):
    code = "wrong_listing_kind"
    title = "Not possible for this kind of listing"


class UnknownCategory(RuleViolation):
    code = "unknown_category"
    title = "Unknown category"


class NoJuryAvailable(RuleViolation):
    code = "no_jury_available"
    title = "Not enough members to form a jury"


class SimulationTooLarge(RuleViolation):
    code = "simulation_too_large"
    title = "Simulation too large"


class NoTradeToCalibrate(RuleViolation):
    """A policy estimate for a collective whose members recorded no trade to learn from."""

    code = "no_trade_to_calibrate"
    title = "No trade to calibrate the estimate"


class CalibrationMismatch(RuleViolation):
    """The simulated baseline misses the collective's observed turnover: no estimate is shown."""

    code = "calibration_mismatch"
    title = "The simulation does not reproduce this collective"


# --- governance (issue 11) ---


class ProposalNotFound(NotFound):
    code = "proposal_not_found"
    title = "Proposal not found"


class ServiceNotFound(NotFound):
    code = "service_not_found"
    title = "Public service not found"


class BudgetRoundNotFound(NotFound):
    code = "budget_round_not_found"
    title = "Budget round not found"


class ProjectNotFound(NotFound):
    code = "project_not_found"
    title = "Project not found"


class ClaimNotFound(NotFound):
    code = "claim_not_found"
    title = "Claim not found"


class EstimateNotFound(NotFound):
    """A what-if estimate that was never started, is forgotten, or was started by someone else."""

    code = "estimate_not_found"
    title = "Estimate not found"


class NotEligible(Forbidden):
    code = "not_eligible"
    title = "Not eligible to vote on this"


class NotTheAuthor(Forbidden):
    code = "not_the_author"
    title = "Only the proposal's author may do this"


class NotAProvider(Forbidden):
    code = "not_a_provider"
    title = "Only a provider of this service may do this"


class NotTheRecipient(Forbidden):
    code = "not_the_recipient"
    title = "Only the recipient of this claim may do this"


class ProposalClosed(InvalidTransition):
    code = "proposal_closed"
    title = "The proposal is closed"


class BudgetRoundClosed(InvalidTransition):
    code = "budget_round_closed"
    title = "The budget round is closed"


class BudgetRoundNotClosed(InvalidTransition):
    code = "budget_round_not_closed"
    title = "The budget round has no result"


class ServiceEnded(InvalidTransition):
    code = "service_ended"
    title = "The service has ended"


class AlreadyProvider(Conflict):
    code = "already_provider"
    title = "Already a provider of this service"


class InvalidParams(InvalidValue):
    code = "invalid_params"
    title = "Invalid proposal parameters"


class ClaimExceedsBudget(RuleViolation):
    code = "claim_exceeds_budget"
    title = "The claim is larger than the service's whole budget for a period"


class LevyRateChanged(Conflict):
    code = "levy_rate_changed"
    title = "The levy rate changed while this payment was being made; send it again"


# supply chains (issue #16)


class GoodNotFound(NotFound):
    code = "good_not_found"
    title = "Good not found"


class RecipeNotFound(NotFound):
    code = "recipe_not_found"
    title = "Recipe not found"


class ChainPlanNotFound(NotFound):
    code = "chain_plan_not_found"
    title = "Chain plan not found"


class ChainLinkNotFound(NotFound):
    code = "chain_link_not_found"
    title = "Chain link not found"


class NotTheProducer(Forbidden):
    code = "not_the_producer"
    title = "Only the recipe's producer may do this"


class NotYourLink(Forbidden):
    code = "not_your_link"
    title = "Only this link's producer may accept or decline it"


class NotTheRequester(Forbidden):
    code = "not_the_requester"
    title = "Only the member who asked for this chain may do this"


class LinkClosed(InvalidTransition):
    code = "link_closed"
    title = "This link is no longer open for a decision"


class GoodExists(Conflict):
    code = "good_exists"
    title = "A good of that name already exists"


class ChainInfeasible(RuleViolation):
    code = "chain_infeasible"
    title = "No chain of declared recipes can make this"


class OverBudget(RuleViolation):
    code = "over_budget"
    title = "The cheapest chain costs more than the budget"


# --- federation (issue 17) ---


class LinkNotFound(NotFound):
    code = "link_not_found"
    title = "Link not found"


class CrossPaymentNotFound(NotFound):
    code = "cross_payment_not_found"
    title = "Cross-payment not found"


class MessageRefused(Forbidden):
    """A server-to-server message that is malformed, unsigned, tampered with, stale or replayed
    (``reason`` in the context says which)."""

    code = "message_refused"
    title = "Server message refused"


class PeerUnreachable(Unavailable):
    code = "peer_unreachable"
    title = "The linked collective's server did not answer"


class LinkNotActive(RuleViolation):
    code = "link_not_active"
    title = "The link carries no payments now"


class LinkLimitExceeded(RuleViolation):
    code = "link_limit_exceeded"
    title = "The link's limit would be exceeded"


class CrossPaymentRefused(RuleViolation):
    code = "cross_payment_refused"
    title = "The cross-payment was refused; nothing was paid"


# --- federation: keys and signed exports (issue 17) ---


class SignatureInvalid(RuleViolation):
    """A signed document whose signature does not match its contents (altered, or forged)."""

    code = "signature_invalid"
    title = "The signature does not match"


class UnknownKey(RuleViolation):
    """Signed with a key id the issuing collective does not list (or not for that moment)."""

    code = "unknown_key"
    title = "Signed with a key the issuer does not list"


class ExportNotYours(RuleViolation):
    """A history export attached by someone other than the member it describes."""

    code = "export_not_yours"
    title = "This export describes someone else"


class IssuerUnreachable(Unavailable):
    """The issuing server's public keys could not be fetched; try again later."""

    code = "issuer_unreachable"
    title = "The issuing server cannot be reached"


# --- enterprises (issue 14) ----------------------------------------------------------------


class EnterpriseNotFound(NotFound):
    code = "enterprise_not_found"
    title = "No such enterprise"


class ContractNotFound(NotFound):
    code = "contract_not_found"
    title = "No such contract"


class HoursNotFound(NotFound):
    code = "hours_not_found"
    title = "No such entry of hours"


class PeriodNotFound(NotFound):
    code = "period_not_found"
    title = "No such pay period"


class NotPermitted(Forbidden):
    code = "not_permitted"
    title = "Your role in the enterprise does not allow this"


class CapitalNotAllowed(RuleViolation):
    code = "capital_not_allowed"
    title = "Enterprises cannot own capital in this collective"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    title = "No such invitation"
