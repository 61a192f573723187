"""Listings and categories, and search over them.

Search is full text on both databases behind ``SqlListings.search``: PostgreSQL matches a
``tsvector`` column (GIN-indexed) with a prefix ``tsquery``; SQLite matches the same normalised
words in the ``listing_terms`` inverted index. Both use ``domain.market.listings.search_terms``,
so a query finds the same listings on either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Text,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY, array
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cybermutual.domain.market.listings import (
    MAX_TERMS_PER_QUERY,
    Category,
    Listing,
    ListingKind,
    ListingStatus,
    document,
    search_terms,
)
from cybermutual.domain.market.reviews import PRIOR_WEIGHT
from cybermutual.services.market.ports import ListingQuery, ListingSort
from cybermutual.services.ports import Page
from cybermutual.store.pagination import cursor_int, cursor_moment, decode_cursor, encode_cursor
from cybermutual.store.tables import (
    listing_terms,
    listings,
    market_categories,
    market_reputation,
)


def _listing(row: Any) -> Listing:
    return Listing(
        id=row.id,
        collective_id=row.collective_id,
        owner_id=row.owner_id,
        kind=ListingKind(row.kind),
        status=ListingStatus(row.status),
        title=row.title,
        description=row.description,
        category=row.category,
        tags=tuple(row.tags.split()),
        price=row.price,
        created_at=row.created_at,
        updated_at=row.updated_at,
        quantity=row.quantity,
        location=row.location,
        asset_id=row.asset_id,
        enterprise_id=row.enterprise_id,
    )


_COLUMNS = [c for c in listings.c if c.name != "search_vector"]


#: Below this many matches, a search sorts its matches rather than walking listings in order.
FEW_MATCHES = 5_000


def _prefix_end(term: str) -> str:
    """The first string after every string starting with ``term``."""
    return term[:-1] + chr(ord(term[-1]) + 1)


class SqlListings:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    def _values(self, listing: Listing) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": listing.id,
            "collective_id": listing.collective_id,
            "owner_id": listing.owner_id,
            "kind": listing.kind.value,
            "status": listing.status.value,
            "title": listing.title,
            "description": listing.description,
            "category": listing.category,
            "tags": " ".join(listing.tags),
            "location": listing.location,
            "price": listing.price,
            "quantity": listing.quantity,
            "asset_id": listing.asset_id,
            "enterprise_id": listing.enterprise_id,
            "created_at": listing.created_at,
            "updated_at": listing.updated_at,
        }
        if self._postgres:
            # the lexemes are exactly ``search_terms``, as on SQLite: PostgreSQL's own parser
            # would keep "1.5" or "example.com" whole, so "5" or "com" would find nothing
            values["search_vector"] = func.array_to_tsvector(
                cast(array(search_terms(document(listing)), type_=Text), ARRAY(Text))
            )
        return values

    def _index_terms(self, listing: Listing) -> None:
        if self._postgres:
            return
        self._conn.execute(delete(listing_terms).where(listing_terms.c.listing_id == listing.id))
        terms = search_terms(document(listing))
        if terms:
            self._conn.execute(
                insert(listing_terms),
                [
                    {"listing_id": listing.id, "term": t, "collective_id": listing.collective_id}
                    for t in terms
                ],
            )

    def add(self, listing: Listing) -> None:
        self._conn.execute(insert(listings).values(**self._values(listing)))
        self._index_terms(listing)

    def save(self, listing: Listing) -> None:
        values = self._values(listing)
        del values["id"], values["created_at"]
        self._conn.execute(update(listings).where(listings.c.id == listing.id).values(**values))
        self._index_terms(listing)

    def get(self, listing_id: str, *, lock: bool = False) -> Listing | None:
        query = select(*_COLUMNS).where(listings.c.id == listing_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _listing(row)

    def by_ids(self, listing_ids: Sequence[str]) -> dict[str, Listing]:
        if not listing_ids:
            return {}
        wanted = sorted(set(listing_ids))
        rows = self._conn.execute(select(*_COLUMNS).where(listings.c.id.in_(wanted)))
        return {r.id: _listing(r) for r in rows}

    def open_of_owner(self, collective_id: str, owner_id: str) -> list[Listing]:
        rows = self._conn.execute(
            select(*_COLUMNS)
            .where(
                listings.c.collective_id == collective_id,
                listings.c.owner_id == owner_id,
                listings.c.status == ListingStatus.OPEN.value,
            )
            .order_by(listings.c.id)
            .with_for_update()
        )
        return [_listing(row) for row in rows]

    def _matches(self, collective_id: str, text: str) -> ColumnElement[bool] | None:
        terms = search_terms(text, limit=MAX_TERMS_PER_QUERY)
        if not terms:
            return None
        if self._postgres:
            # quoted lexemes, taken as written (terms are letters and digits only)
            tsquery = " & ".join(f"'{t}':*" for t in terms)
            return listings.c.search_vector.op("@@")(cast(literal(tsquery), TSQUERY))
        return and_(
            *(
                listings.c.id.in_(
                    select(listing_terms.c.listing_id).where(
                        listing_terms.c.collective_id == collective_id,
                        listing_terms.c.term >= term,
                        listing_terms.c.term < _prefix_end(term),
                    )
                )
                for term in terms
            )
        )

    def _few(self, collective_id: str, matches: ColumnElement[bool]) -> bool:
        """Whether fewer than ``FEW_MATCHES`` listings of the collective match (at most that many
        read, through the search index)."""
        probe = (
            select(literal(1))
            .select_from(listings)
            .where(listings.c.collective_id == collective_id, matches)
            .limit(FEW_MATCHES)
            .subquery()
        )
        found = self._conn.execute(select(func.count()).select_from(probe)).scalar_one()
        return int(found) < FEW_MATCHES

    def search(self, collective_id: str, query: ListingQuery, *, prior: int) -> Page[Listing]:
        where: list[ColumnElement[bool]] = [listings.c.collective_id == collective_id]
        if query.status is not None:
            where.append(listings.c.status == query.status.value)
        if query.kind is not None:
            where.append(listings.c.kind == query.kind.value)
        if query.category is not None:
            where.append(listings.c.category == query.category)
        if query.owner_id is not None:
            where.append(listings.c.owner_id == query.owner_id)
        if query.min_price is not None:
            where.append(listings.c.price >= query.min_price)
        if query.max_price is not None:
            where.append(listings.c.price <= query.max_price)
        few_matches = False
        if query.text:
            matches = self._matches(collective_id, query.text)
            if matches is not None:
                where.append(matches)
                few_matches = self._postgres and self._few(collective_id, matches)
        score = (
            literal(PRIOR_WEIGHT * prior) + 1000 * func.coalesce(market_reputation.c.star_sum, 0)
        ) // (literal(PRIOR_WEIGHT) + func.coalesce(market_reputation.c.review_count, 0))
        key: ColumnElement[Any]
        descending = True
        if query.sort is ListingSort.NEWEST:
            key = listings.c.created_at
        elif query.sort is ListingSort.REPUTATION:
            key = score
        else:
            key = listings.c.price
            descending = query.sort is ListingSort.PRICE_DESC
        if query.cursor is not None:
            raw, last_id = decode_cursor(query.cursor, 2)
            value: Any = cursor_moment(raw) if query.sort is ListingSort.NEWEST else cursor_int(raw)
            ahead = key < value if descending else key > value
            tie = listings.c.id < str(last_id) if descending else listings.c.id > str(last_id)
            where.append(or_(ahead, and_(key == value, tie)))
        # With few matches, order by a copy of the key that no index holds: PostgreSQL then takes
        # the matches from the search index and sorts them, instead of walking a browse index in
        # order and testing every listing (it cannot tell from its statistics that a word is
        # rare, and a word nobody used made it read every listing of the collective).
        ordered = key + literal(0) if few_matches and key is listings.c.price else key
        if few_matches and key is listings.c.created_at:
            ordered = key + text("interval '0'")
        order = (
            (ordered.desc(), listings.c.id.desc()) if descending else (ordered.asc(), listings.c.id)
        )
        statement = (
            select(*_COLUMNS, score.label("score"))
            .select_from(
                listings.outerjoin(
                    market_reputation,
                    and_(
                        market_reputation.c.collective_id == listings.c.collective_id,
                        market_reputation.c.member_id == listings.c.owner_id,
                    ),
                )
            )
            .where(*where)
            .order_by(*order)
            .limit(query.limit + 1)
        )
        rows = self._conn.execute(statement).all()
        items = [_listing(row) for row in rows[: query.limit]]
        next_cursor = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]
            if query.sort is ListingSort.NEWEST:
                marker: Any = last.created_at.isoformat()
            elif query.sort is ListingSort.REPUTATION:
                marker = int(last.score)
            else:
                marker = last.price
            next_cursor = encode_cursor(marker, last.id)
        return Page(items, next_cursor)

    def categories(self, collective_id: str) -> list[Category]:
        rows = self._conn.execute(
            select(market_categories)
            .where(market_categories.c.collective_id == collective_id)
            .order_by(market_categories.c.position)
        )
        return [Category(row.slug, row.name) for row in rows]

    def add_categories(self, collective_id: str, categories: Sequence[Category]) -> None:
        """Append ``categories``; one another request just stored is skipped, not an error."""
        start = len(self.categories(collective_id))
        if categories:
            dialect = self._conn.dialect.name
            upsert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            self._conn.execute(
                upsert(market_categories).on_conflict_do_nothing(),
                [
                    {
                        "collective_id": collective_id,
                        "slug": c.slug,
                        "name": c.name,
                        "position": start + i,
                    }
                    for i, c in enumerate(categories)
                ],
            )
