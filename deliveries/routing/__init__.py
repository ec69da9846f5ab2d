"""Route optimisation without the database: distances, the VRP solver, CVRPLIB files.

The route-planning service builds its inputs (warehouse and stop coordinates, demands in kg,
drivers' capacities and max stops, windows) from the models and calls `solver.solve_vrp`.
"""
