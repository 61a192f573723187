"""Supply chains on the platform (issue #16): what members declare and what they agree to.

goods     the collective's goods (name, unit, category)
recipes   a producer's process: inputs (goods, labour, commons asset-hours) -> outputs
links     a chain plan and its links: the proposal every producer accepts or declines
instance  recipes as the planner's instance, and its answer back as links

The planner itself (the linear program) is ``domain/chains``; this package only speaks to it.
"""
